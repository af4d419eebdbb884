// Learning Register: a progress bar for evidence uploads. The form works without this script;
// with it, the same form is sent by XMLHttpRequest so the bar can show how much has been sent.
(function () {
  "use strict";
  if (!window.XMLHttpRequest || !window.FormData) { return; }
  var forms = document.querySelectorAll("form.lr-upload");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (event) {
      var box = document.getElementById(form.getAttribute("data-progress"));
      var bar = box && box.querySelector("progress");
      if (!bar) { return; }
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      box.hidden = false;
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("X-Upload-Script", "1");
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var percent = Math.round((e.loaded / e.total) * 100);
          bar.value = percent;
          bar.textContent = percent + "%";
        }
      });
      request.addEventListener("load", function () {
        // Stored: the register says which page to go to next.
        var next = request.getResponseHeader("X-Location");
        if (request.status === 204 && next) {
          var target = new URL(next, window.location.href);
          var here = window.location.pathname + window.location.search;
          window.location.assign(target.href);
          // The same page with another #fragment only scrolls: load it afresh to show what was stored.
          if (target.pathname + target.search === here) { window.location.reload(); }
          return;
        }
        // Refused: the register answered with the form and its error summary; show it.
        document.open();
        document.write(request.responseText);
        document.close();
        if (request.responseURL) { window.history.replaceState(null, "", request.responseURL); }
      });
      request.addEventListener("error", function () {
        // Sending by script failed: send the form the ordinary way.
        box.hidden = true;
        if (button) { button.disabled = false; }
        form.submit();
      });
      request.send(new FormData(form));
    });
  });
}());
