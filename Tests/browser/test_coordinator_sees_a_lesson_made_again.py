"""The coordinator adds a recommendation that two earlier reviews already made; the review's page names
them with links, and the recurring lessons page shows the lesson made by the three reviews. Every page
the browser shows is checked with axe."""

from __future__ import annotations

from api_support import COORDINATOR, Api, unique
from browser_support import LINKS, Browser, sign_in


def test_coordinator_sees_a_lesson_made_again(browser: Browser, base_url: str, coordinator_api: Api) -> None:
    story = LessonMadeAgain(browser, coordinator_api)
    story.given_two_earlier_reviews_made_the_same_recommendation()
    story.given_i_have_signed_in_as_the_coordinator()
    story.when_i_add_the_same_recommendation_to_a_third_review()
    story.then_the_review_names_the_two_earlier_ones()
    story.when_i_open_the_recurring_lessons()
    story.then_i_see_the_lesson_made_by_the_three_reviews()


class LessonMadeAgain:
    def __init__(self, browser: Browser, coordinator_api: Api) -> None:
        self.browser = browser
        self.api = coordinator_api
        # A made-up word of its own, so this test's lesson is told apart from any other run's.
        self.word = unique("w", 12)
        self.text = f"Every school keeps a {self.word} register of pupils missing education and reviews it with the council each week."

    # --------------------------------------------------------------------------------------------- steps

    def given_two_earlier_reviews_made_the_same_recommendation(self) -> None:
        self.earlier = []
        for title in ("Learning from the care of Child E", "Learning from the care of Child F"):
            review = self.api.record_review(title)
            self.api.post(f"/api/v1/reviews/{review['id']}/recommendations", {"number": "2", "text": self.text, "scope": "local"})
            self.earlier.append(review["reference"])
        self.review = self.api.record_review("Learning from the care of Child G")

    def given_i_have_signed_in_as_the_coordinator(self) -> None:
        sign_in(self.browser, *COORDINATOR)

    def when_i_add_the_same_recommendation_to_a_third_review(self) -> None:
        b = self.browser
        b.visit(f"/reviews/{self.review['id']}")
        b.click_link("Add a recommendation")
        b.fill("Number", "1")
        b.fill("Recommendation", self.text)
        b.choose_value("Reach", "local")
        b.click_button("Save recommendation")

    def then_the_review_names_the_two_earlier_ones(self) -> None:
        b = self.browser
        assert "Recommendation 1 added" in b.banner()
        notice = b.text(b.element("#resembles"))
        assert "Recommendation 1 resembles recommendations in 2 other reviews" in notice, notice
        for reference in self.earlier:
            assert b.named(LINKS, f"{reference} recommendation 2"), f"no link to {reference}'s recommendation on {b.url}"
        b.screenshot("review-resembles")

    def when_i_open_the_recurring_lessons(self) -> None:
        b = self.browser
        b.click_link("See recurring lessons")
        assert b.h1() == "Recurring lessons"

    def then_i_see_the_lesson_made_by_the_three_reviews(self) -> None:
        b = self.browser
        # The lessons made by most reviews come first, a page at a time: look for this test's.
        for _ in range(50):
            if self.review["reference"] in b.text() or not b.named(LINKS, "Next page"):
                break
            b.click_link("Next page")
        sections = [s for s in b.elements("section") if self.review["reference"] in b.text(s)]
        assert sections, f"this test's lesson is on no page of {b.url}"
        lesson = sections[0]
        assert b.text(b.element("h2", within=lesson)).startswith("The same lesson in 3 reviews"), b.text(lesson)
        for reference in self.earlier + [self.review["reference"]]:
            assert reference in b.text(lesson)
        b.screenshot("recurring-lessons")
