// duban board: countdowns in Beijing time and live updates (server-sent events). The pages work without this file.
(function () {
  'use strict';
  var body = document.body;
  // The server's clock at render time: countdowns follow it, not a PC clock that may be off.
  var skew = Number(body.getAttribute('data-now')) - Date.now();
  if (!isFinite(skew)) skew = 0;
  var COLOUR = { red: '红 · 已逾期', yellow: '黄 · 临近期限', green: '绿 · 期限内' };

  function formatLeft(ms) {
    var sign = ms < 0 ? '-' : '';
    var total = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    return sign + h + ':' + (m < 10 ? '0' : '') + m + ':' + (s < 10 ? '0' : '') + s;
  }

  function tick() {
    var now = Date.now() + skew;
    var clocks = document.querySelectorAll('time.countdown[data-deadline]');
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var left = Number(el.getAttribute('data-deadline')) - now;
      el.textContent = (left < 0 ? '逾期 ' : '剩余 ') + formatLeft(left);
      el.classList.toggle('overdue', left < 0);
      // The row's colour follows the clock between two updates from the server.
      var row = el.closest('tr[data-warn]');
      var badge = row && row.querySelector('.colour');
      if (badge) {
        var colour = left < 0 ? 'red' : left <= Number(row.getAttribute('data-warn')) ? 'yellow' : 'green';
        if (!badge.classList.contains('colour-' + colour)) {
          badge.className = 'colour colour-' + colour;
          badge.textContent = COLOUR[colour];
        }
      }
    }
  }
  tick();
  setInterval(tick, 1000);

  var region = document.getElementById('board-live');
  if (!region || typeof EventSource === 'undefined') return;
  var status = document.getElementById('live-status');
  var fragment = region.getAttribute('data-fragment');
  var pending = false;
  var again = false;

  function refresh() {
    if (pending) {
      again = true;
      return;
    }
    pending = true;
    fetch(fragment, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (res) {
        if (res.status === 401) {
          window.location.assign('/board/login');
          return null;
        }
        return res.ok ? res.text() : null;
      })
      .then(function (text) {
        if (text === null) return;
        // Keep keyboard focus on the same link or card across the swap.
        var focused = document.activeElement && region.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
        var doc = new DOMParser().parseFromString('<body>' + text + '</body>', 'text/html');
        region.replaceChildren.apply(region, Array.prototype.slice.call(doc.body.childNodes));
        if (focused) {
          var again2 = region.querySelector('[href="' + focused.replace(/"/g, '\\"') + '"]');
          if (again2) again2.focus();
        }
        tick();
        body.setAttribute('data-updated', String(Date.now()));
        if (status) status.textContent = '列表已更新';
      })
      .catch(function () {
        if (status) status.textContent = '暂时无法更新，稍后自动重试';
      })
      .then(function () {
        pending = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  var events = new EventSource(region.getAttribute('data-events'));
  events.addEventListener('change', refresh);
  events.addEventListener('open', function () {
    body.setAttribute('data-live', 'open');
  });
  // Colours and counts age with the clock: refresh the counts every 30 s even without news.
  setInterval(refresh, 30000);
})();
