// Management pages: a plan run's progress (polled while it runs; the answer names the phase in the page's
// language), and "use suggestions" on requirements.
document.addEventListener("DOMContentLoaded", function () {
  var run = document.querySelector("[data-progress-url]");
  if (run) {
    var url = run.getAttribute("data-progress-url");
    var bar = document.getElementById("progress-bar");
    var text = document.getElementById("progress-text");
    var objective = run.getAttribute("data-objective-label");  // in the page's language
    var poll = function () {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (d) {
          if (d.status !== "queued" && d.status !== "running") { window.location.reload(); return; }
          var p = d.progress || {};
          bar.max = p.time_limit || 30;
          bar.value = p.elapsed || 0;
          text.textContent = (d.phase_label || "") + " · " + (p.elapsed || 0) + " s" +
            (p.objective != null ? " · " + objective + " " + p.objective : "");
          setTimeout(poll, 700);
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 500);
  }
  var use = document.querySelector("button[data-use-suggestions]");
  if (use) {
    use.hidden = false;
    use.addEventListener("click", function () {
      document.querySelectorAll(".suggestion[data-target]").forEach(function (s) {
        document.getElementById(s.getAttribute("data-target")).value = s.textContent.trim();
      });
    });
  }
});
