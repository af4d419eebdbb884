import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RegisterDomain
@testable import RegisterServer
import RegisterServices
import RegisterStore
import RegisterTestSupport
import Testing

/// Repeated failed sign-ins are slowed, then refused, per account and per client address; password
/// hashing is capped, so a flood of junk sign-ins cannot take the processor.
@Suite("Sign-in throttling")
struct SignInThrottleTests {
    static let wrong = "not the password at all"

    @Test("an account's repeated failures are refused for a while that doubles, known e-mail or not; a success clears them")
    func perAccount() async throws {
        // A first wait of a minute, so that a slow machine cannot outlast it between two requests
        // (the doubling itself is the policy's, tested below without a clock).
        try await withSignInApp({ $0.signInThrottle = SignInThrottle(firstWait: 60) }) { app in
            for email in ["coordinator@example.org", "nobody@example.org"] {
                for _ in 1...6 { #expect(try await app.signIn(email, Self.wrong).status == .unauthorized) }
                // The sixth failure starts a wait: even the right password is refused meanwhile.
                let refused = try await app.signIn(email, email.hasPrefix("nobody") ? Self.wrong : SignInApp.password)
                #expect(refused.status == .tooManyRequests, "\(refused.text)")
                #expect(refused.isProblem)
                #expect(refused.json["type"] as? String == "urn:learning-register:problem:sign-in-throttled")
                #expect((50...60).contains(Int(refused.headers[.retryAfter] ?? "") ?? 0))
            }
            // Another account is untouched.
            #expect(try await app.signIn("admin@example.org").status == .created)
        }
        // After the wait the right password works, and clears the account's failures.
        try await withSignInApp { app in
            for _ in 1...6 { #expect(try await app.signIn("coordinator@example.org", Self.wrong).status == .unauthorized) }
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await app.signIn("coordinator@example.org").status == .created)
            for _ in 1...6 { #expect(try await app.signIn("coordinator@example.org", Self.wrong).status == .unauthorized) }
        }
    }

    @Test("the sign-in page answers a throttled account with 429, Retry-After, an error summary and the form kept")
    func page() async throws {
        // A first wait of a minute, so that a slow machine cannot outlast it between the two requests.
        try await withSignInApp({ $0.signInThrottle = SignInThrottle(firstWait: 60) }) { app in
            for _ in 1...6 { _ = try await app.signIn("coordinator@example.org", Self.wrong) }
            let form = try await app.call(.get, "/sign-in")
            let cookie = String(try #require(form.headers[values: .setCookie].first { $0.hasPrefix("lr_signin=") }).split(separator: ";")[0])
            let token = String(cookie.dropFirst("lr_signin=".count))
            let page = try await app.call(
                .post, "/sign-in", form: "csrf_token=\(token)&email=coordinator%40example.org&password=correct+horse+battery+staple",
                headers: [.cookie: cookie])
            #expect(page.status == .tooManyRequests)
            #expect(page.headers[.retryAfter] != nil)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            // How long is left depends on how long the machine took over the six failures (and each
            // doubles the wait): the page names a wait, in seconds or minutes.
            #expect(
                page.text.contains(/Too many sign-ins have failed\. Wait [0-9]+ (second|minute)s?, then try again/), "\(page.text)")
            #expect(page.text.contains(#"value="coordinator@example.org""#))
            #expect(!page.headers[values: .setCookie].contains { $0.hasPrefix("lr_session=") })
        }
    }

    @Test("a client address's failures are counted across accounts; X-Forwarded-For counts only from a trusted proxy")
    func perAddress() async throws {
        let tight = SignInThrottle(freeFailuresPerAccount: 50, freeFailuresPerAddress: 2, firstWait: 60)
        // Not trusted: whatever X-Forwarded-For says, every attempt comes from the test's own address.
        try await withSignInApp({ $0.signInThrottle = tight }, live: true) { app in
            for n in 1...3 {
                let reply = try await app.signIn("nobody\(n)@example.org", Self.wrong, headers: [.xForwardedFor: "198.51.100.\(n)"])
                #expect(reply.status == .unauthorized)
            }
            let refused = try await app.signIn("coordinator@example.org", headers: [.xForwardedFor: "198.51.100.99"])
            #expect(refused.status == .tooManyRequests, "\(refused.text)")
            let events = try await app.accessEvents().filter { $0["event"] as? String == "sign_in_failed" }
            #expect(events.count == 3 && events.allSatisfy { ["127.0.0.1", "::1"].contains($0["client_address"] as? String) })
        }
        // Behind a trusted proxy: the address it names is the client's.
        try await withSignInApp({ $0.signInThrottle = tight; $0.trustedProxies = [IPNetwork("127.0.0.1")!, IPNetwork("::1")!] }, live: true) { app in
            for n in 1...3 {
                let reply = try await app.signIn("nobody\(n)@example.org", Self.wrong, headers: [.xForwardedFor: "203.0.113.7"])
                #expect(reply.status == .unauthorized)
            }
            #expect(try await app.signIn("coordinator@example.org", headers: [.xForwardedFor: "203.0.113.7"]).status == .tooManyRequests)
            // A spoofed first hop does not help: the proxy's own entry, on the right, is the one read.
            #expect(try await app.signIn("coordinator@example.org", headers: [.xForwardedFor: "192.0.2.1, 203.0.113.7"]).status == .tooManyRequests)
            #expect(try await app.signIn("coordinator@example.org", headers: [.xForwardedFor: "203.0.113.8"]).status == .created)
            // IPv6 addresses are counted by their /64.
            for n in 1...3 { _ = try await app.signIn("six\(n)@example.org", Self.wrong, headers: [.xForwardedFor: "2001:db8:1:2::\(n)"]) }
            #expect(try await app.signIn("admin@example.org", headers: [.xForwardedFor: "2001:db8:1:2:ffff::1"]).status == .tooManyRequests)
            let events = try await app.accessEvents().filter { $0["event"] as? String == "sign_in_failed" }
            #expect(events.first?["client_address"] as? String == "203.0.113.7")
        }
    }

    @Test("a guesser's failures from their own address never make the owner wait at theirs; only many addresses together slow an account")
    func accountFromAddress() async throws {
        let proxies = [IPNetwork("127.0.0.1")!, IPNetwork("::1")!]
        try await withSignInApp({ $0.trustedProxies = proxies; $0.signInThrottle = SignInThrottle(freeFailuresPerAccountEverywhere: 8, firstWait: 60) }, live: true) { app in
            for _ in 1...6 { _ = try await app.signIn("coordinator@example.org", Self.wrong, headers: [.xForwardedFor: "203.0.113.7"]) }
            #expect(try await app.signIn("coordinator@example.org", headers: [.xForwardedFor: "203.0.113.7"]).status == .tooManyRequests)
            // The owner, elsewhere, is not held up, and their sign-in clears the account's failures.
            #expect(try await app.signIn("coordinator@example.org", headers: [.xForwardedFor: "198.51.100.5"]).status == .created)
            // Failures from many addresses, a few each, add up for the account as a whole.
            for n in 1...9 { _ = try await app.signIn("coordinator@example.org", Self.wrong, headers: [.xForwardedFor: "192.0.2.\(n)"]) }
            #expect(try await app.signIn("coordinator@example.org", headers: [.xForwardedFor: "198.51.100.6"]).status == .tooManyRequests)
        }
    }

    @Test("beyond the cap on concurrent password checks a sign-in is answered 503 with Retry-After at once, never 500")
    func bcryptCap() async throws {
        try await withSignInApp({ $0.passwordHashingSlots = 1 }) { app in
            let statuses = try await withThrowingTaskGroup(of: Reply.self) { group in
                for n in 1...20 { group.addTask { try await app.signIn("flood\(n)@example.org", Self.wrong) } }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            let busy = statuses.filter { $0.status == .serviceUnavailable }
            let unexpected = statuses.map(\.status).filter { $0 != .unauthorized && $0 != .serviceUnavailable }
            #expect(unexpected.isEmpty, "\(statuses.map(\.status))")
            // One runs, two wait their turn; the rest are refused without any bcrypt work (how many
            // depends on how the twenty arrive, so only that some are).
            #expect(!busy.isEmpty, "\(statuses.map(\.status))")
            #expect(busy.allSatisfy { $0.isProblem && $0.headers[.retryAfter] == "2" && $0.json["type"] as? String == "urn:learning-register:problem:sign-in-busy" })
            // Once the flood is over, signing in works.
            #expect(try await app.signIn("admin@example.org").status == .created)
        }
    }

    @Test("the gate lets `slots` run, queues twice as many, refuses the rest, and lets a waiter give up")
    func gate() async throws {
        let gate = PasswordGate(slots: 1, patience: .milliseconds(100))
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 1...6 {
                group.addTask {
                    do { return try await gate.verify("x", hash: Passwords.decoy) == false } catch { return false }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        // One ran; of the two that queued, the patience of 100 ms is shorter than one bcrypt check.
        #expect(results.filter { $0 }.count == 1, "\(results)")
        #expect(try await gate.verify("learning-register decoy password", hash: Passwords.decoy))
    }

    @Test("the wait starts after the free failures, doubles, and never passes the longest wait")
    func policy() {
        let policy = SignInThrottle.standard
        func wait(_ count: Int, _ scope: SignInThrottle.Scope = .account, since: Double = 0) -> Int? {
            policy.retryAfter(.init(count: count, secondsSinceLast: since), scope: scope)
        }
        #expect(wait(5) == nil)
        #expect(wait(6) == 1 && wait(7) == 2 && wait(8) == 4 && wait(14) == 256)
        #expect(wait(15) == 300 && wait(1000) == 300)
        #expect(wait(8, since: 3.5) == 1 && wait(8, since: 4) == nil)
        #expect(wait(100, .address) == nil && wait(101, .address) == 1)
        #expect(SignInThrottle.subject(.account, "a@example.org") != SignInThrottle.subject(.address, "a@example.org"))
    }

    @Test("the client's address is the peer's unless a trusted proxy names it; malformed entries stop the walk")
    func clientAddress() {
        let proxies = [IPNetwork("10.0.0.0/8")!, IPNetwork("::1")!]
        func resolve(_ peer: String?, _ forwarded: [String], _ trusted: [IPNetwork] = proxies) -> String? {
            ClientAddress.resolve(peer: peer, forwardedFor: forwarded, trusting: trusted)?.description
        }
        #expect(resolve("192.0.2.9", ["203.0.113.1"]) == "192.0.2.9")
        #expect(resolve("10.1.2.3", ["203.0.113.1"], []) == "10.1.2.3")
        #expect(resolve("10.1.2.3", ["203.0.113.1"]) == "203.0.113.1")
        #expect(resolve("10.1.2.3", ["198.51.100.1, 203.0.113.1, 10.9.9.9"]) == "203.0.113.1")
        #expect(resolve("10.1.2.3", ["198.51.100.1", "203.0.113.1"]) == "203.0.113.1")
        #expect(resolve("10.1.2.3", ["not-an-address"]) == "10.1.2.3")
        #expect(resolve("::ffff:10.1.2.3", ["2001:db8::5"]) == "2001:db8::5")
        #expect(resolve(nil, ["203.0.113.1"]) == nil)
        #expect(IPAddress("2001:db8:1:2:3:4:5:6")?.throttleKey == "2001:db8:1:2::/64")
        #expect(IPAddress("192.0.2.200")?.throttleKey == "192.0.2.200")
        #expect(IPNetwork("10.0.0.0/33") == nil && IPNetwork("nonsense") == nil && IPNetwork("10.0.0.0/8")!.contains(IPAddress("10.255.0.1")!))
    }
}
