/**
 * The dashboard's only script, served from /dashboard/assets/ (the CSP allows no inline script). Pages work
 * without it; it adds copy buttons, confirmations before destructive actions, the live lag charts of the Sync
 * page and the progress of a running resync. Plain ES2020, no dependencies.
 */
export const SCRIPT = `
'use strict';
(function () {
  var live = document.getElementById('live');
  function say(text) { if (live) { live.textContent = ''; setTimeout(function () { live.textContent = text; }, 30); } }

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('button[data-copy]');
    if (!button) return;
    var field = document.getElementById(button.getAttribute('data-copy'));
    if (!field) return;
    var text = field.value !== undefined ? field.value : field.textContent;
    var done = function () { say('Copied ' + (button.getAttribute('aria-label') || '').replace(/^Copy /, '') + ' to the clipboard.'); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, function () { say('Copy failed: select the text and copy it.'); });
    else { if (field.select) field.select(); try { document.execCommand('copy'); done(); } catch (e) { say('Select the text and copy it.'); } }
  });

  document.addEventListener('submit', function (event) {
    var message = event.target.getAttribute && event.target.getAttribute('data-confirm');
    if (message && !window.confirm(message)) event.preventDefault();
  });

  function fmtMs(ms) { return ms === null || ms === undefined ? '—' : ms < 1000 ? Math.round(ms) + ' ms' : (ms / 1000).toFixed(1) + ' s'; }
  function setText(root, selector, text) { var el = root.querySelector(selector); if (el) el.textContent = text; }

  var sync = document.querySelector('[data-sync-status-url]');
  if (sync) {
    var history = {};
    var poll = function () {
      fetch(sync.getAttribute('data-sync-status-url'), { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          (data.targets || []).forEach(function (t) {
            var row = sync.querySelector('[data-target="' + CSS.escape(t.key) + '"]');
            if (!row) return;
            setText(row, '[data-field=status]', t.status);
            setText(row, '[data-field=pending]', String(t.pending));
            setText(row, '[data-field=lag]', fmtMs(t.lagMs));
            setText(row, '[data-field=error]', t.lastError || '—');
            var points = history[t.key] = (history[t.key] || []).concat([t.lagMs || 0]).slice(-60);
            var line = row.querySelector('polyline');
            if (line) {
              var max = Math.max.apply(null, points.concat([10]));
              line.setAttribute('points', points.map(function (v, i) { return (i * 200 / 59).toFixed(1) + ',' + (38 - (v / max) * 36).toFixed(1); }).join(' '));
              var svg = row.querySelector('svg');
              if (svg) svg.setAttribute('aria-label', 'Lag over the last ' + points.length * 2 + ' seconds, now ' + fmtMs(t.lagMs) + ', peak ' + fmtMs(max));
            }
          });
        })
        .catch(function () {})
        .finally(function () { setTimeout(poll, 2000); });
    };
    poll();
  }

  var job = document.querySelector('[data-job-url]');
  if (job) {
    var bar = job.querySelector('progress');
    var follow = function () {
      fetch(job.getAttribute('data-job-url'), { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (!j) return;
          if (bar && j.total) { bar.max = j.total; bar.value = j.done; }
          setText(job, '[data-field=progress]', j.message);
          if (j.state === 'running') setTimeout(follow, 500);
          else { job.setAttribute('data-state', j.state); say(j.message); }
        })
        .catch(function () { setTimeout(follow, 1500); });
    };
    follow();
  }
})();
`;
