/* Vigil reviewer pages: the player and transcript kept in step, click-to-seek, queue rows as links
 * and keyboard shortcuts. Requests and swaps are htmx's; there is no inline script anywhere (the
 * pages' Content-Security-Policy forbids it), so everything is wired here by event delegation and
 * keeps working after htmx swaps fragments in. */
(function () {
  "use strict";

  function player() {
    return document.getElementById("player");
  }

  /* ---- seeking ------------------------------------------------------------------------------ */

  function seek(seconds, play) {
    var p = player();
    if (!p || !isFinite(seconds)) return;
    p.currentTime = Math.max(0, seconds);
    if (play) {
      var started = p.play();
      if (started && started.catch) started.catch(function () { /* autoplay refused: stay paused */ });
    }
    sync();
  }

  /* ---- transcript in step with playback ----------------------------------------------------- */

  var segments = [];
  var current = null;

  function indexTranscript() {
    segments = Array.prototype.slice.call(document.querySelectorAll("#transcript .seg"));
    current = null;
  }

  /** The utterance being spoken at time t: the last one that started at or before t and has not
   *  ended (a short grace keeps it lit across the gap to the next one). */
  function segmentAt(t) {
    var lo = 0, hi = segments.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (parseFloat(segments[mid].dataset.start) <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    if (found < 0) return null;
    var seg = segments[found];
    return t < parseFloat(seg.dataset.end) + 0.3 ? seg : null;
  }

  function sync() {
    var p = player();
    if (!p) return;
    var t = p.currentTime;
    var seg = segmentAt(t);
    if (seg !== current) {
      if (current) { current.classList.remove("current"); current.removeAttribute("aria-current"); }
      current = seg;
      if (seg) {
        seg.classList.add("current");
        seg.setAttribute("aria-current", "true");
        var follow = document.getElementById("follow");
        if (!follow || follow.checked) seg.scrollIntoView({ block: "nearest" });
      }
    }
    document.querySelectorAll("#flags .flag").forEach(function (f) {
      var on = t >= parseFloat(f.dataset.start) && t <= parseFloat(f.dataset.end) + 0.3;
      f.classList.toggle("playing", on);
    });
  }

  /* ---- flag selection (keyboard target) ----------------------------------------------------- */

  function flags() {
    return Array.prototype.slice.call(document.querySelectorAll("#flags .flag"));
  }

  function selected() {
    return document.querySelector("#flags .flag.selected") || flags()[0] || null;
  }

  function select(flag, scroll) {
    if (!flag) return;
    flags().forEach(function (f) { f.classList.toggle("selected", f === flag); });
    if (scroll) flag.scrollIntoView({ block: "nearest" });
  }

  function step(delta) {
    var all = flags();
    if (!all.length) return;
    var i = all.indexOf(selected());
    select(all[Math.min(all.length - 1, Math.max(0, i + delta))], true);
  }

  function act(key) {
    var flag = selected();
    if (!flag) return;
    select(flag, true);
    if (key === "d") {
      var reason = flag.querySelector("select[name=reason_code]");
      if (reason && !reason.value) { reason.focus(); return; }
    }
    var button = flag.querySelector('button[data-act="' + key + '"]');
    if (button) button.click();
  }

  /* ---- events ------------------------------------------------------------------------------- */

  document.addEventListener("click", function (ev) {
    var target = ev.target;
    if (!(target instanceof Element)) return;
    var flag = target.closest("#flags .flag");
    if (flag) select(flag, false);
    var seekable = target.closest("[data-seek]");
    if (seekable && !target.closest("a, select, input, textarea, form")) {
      seek(parseFloat(seekable.dataset.seek), true);
      return;
    }
    var row = target.closest("tr[data-href]");
    if (row && !target.closest("a")) window.location.assign(row.dataset.href);
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var el = ev.target;
    var tag = el && el.tagName ? el.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (el && el.isContentEditable)) {
      if (ev.key === "Escape") el.blur();
      return;
    }
    var p = player();
    var handled = true;
    switch (ev.key) {
      case "j": step(1); break;
      case "k": step(-1); break;
      case "c": case "d": case "e": act(ev.key); break;
      case "Enter":
        if (el && el.classList && el.classList.contains("flag")) seek(parseFloat(el.dataset.start), true);
        else handled = false;
        break;
      case " ":
        if (p && tag !== "button" && tag !== "a") { if (p.paused) p.play(); else p.pause(); } else handled = false;
        break;
      case "ArrowLeft": if (p) seek(p.currentTime - 5, false); else handled = false; break;
      case "ArrowRight": if (p) seek(p.currentTime + 5, false); else handled = false; break;
      case "n": case "q": {
        var link = document.querySelector('[data-key="' + ev.key + '"]');
        if (link) link.click(); else handled = false;
        break;
      }
      case "?": {
        var help = document.querySelector("details.shortcuts");
        if (help) help.open = !help.open; else handled = false;
        break;
      }
      default: handled = false;
    }
    if (handled) ev.preventDefault();
  });

  /* After a verdict, move on to the next flag still waiting for one. */
  document.addEventListener("htmx:afterSwap", function (ev) {
    var target = ev.detail && ev.detail.target;
    if (!target || !target.id || target.id.indexOf("decision-") !== 0) return;
    var decided = document.getElementById(target.id);
    if (!decided || decided.querySelector(".alert")) return;
    var all = flags();
    var here = all.indexOf(decided.closest(".flag"));
    for (var i = here + 1; i < all.length; i++) {
      if (!all[i].querySelector('.verdict[data-verdict=""]')) continue;
      select(all[i], true);
      return;
    }
  });

  function init() {
    indexTranscript();
    var p = player();
    if (p) {
      p.addEventListener("timeupdate", sync);
      p.addEventListener("seeked", sync);
    }
    var first = flags()[0];
    if (first) select(first, false);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
