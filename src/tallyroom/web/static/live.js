// Live updates on top of server-rendered pages: when the server sends an event for what this page
// shows, the page's main part is fetched again and swapped in, and a screen reader hears what changed.
(function () {
  "use strict";
  var main = document.querySelector("main[data-live]");
  if (!main || !window.EventSource || !window.fetch) return;
  var announcer = document.getElementById("announcer");
  var waiting = false;

  function refresh() {
    if (waiting) return;
    waiting = true;
    setTimeout(function () {
      fetch(window.location.href, { cache: "no-cache", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          waiting = false;
          if (!html) return;
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main[data-live]");
          if (fresh) main.replaceChildren.apply(main, Array.prototype.slice.call(fresh.childNodes));
        })
        .catch(function () { waiting = false; });
    }, 200);
  }

  function say(event) {
    var data = JSON.parse(event.data);
    var where = data.ward ? data.ward.name + ", " + data.council.name : data.area || data.council.name;
    var what = {
      declaration: "Result declared",
      call: "Council called",
      call_withdrawn: "Call withdrawn",
      complete: "All seats declared",
      council_result: "Council result",
      provisional: "Provisional figures",
      recount: "Recount",
      executive: "Elected"
    }[event.type] || event.type;
    if (announcer) announcer.textContent = what + ": " + where;
    refresh();
  }

  var source = new EventSource(main.getAttribute("data-live"));
  ["declaration", "call", "call_withdrawn", "complete", "council_result", "provisional", "recount", "executive"]
    .forEach(function (type) { source.addEventListener(type, say); });
  document.documentElement.setAttribute("data-live-connected", "");
})();
