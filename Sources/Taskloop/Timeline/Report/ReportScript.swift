/// The report's script, inline in the page: zoom and pan of the time axis
/// (buttons, Ctrl+wheel, dragging), and the step search box, which zooms to
/// a step and outlines it (`report.html#find=NAME` opens at a step). It moves the bars by their `data-s`/`data-e` times
/// and redraws the axis with the same round ticks as ``TimeAxis``.
///
/// When it has set up without an error, it sets `data-report-ready="yes"` on
/// `<body>`; an error anywhere on the page sets `data-report-error`. The
/// browser test asserts on both.
enum ReportScript {
    static let javascript = #"""
        (function () {
          'use strict';
          window.addEventListener('error', function (event) {
            document.body.setAttribute('data-report-error', String(event.message));
          });
          var gantt = document.getElementById('gantt');
          if (!gantt) { document.body.setAttribute('data-report-ready', 'yes'); return; }
          var left = +gantt.dataset.left, width = +gantt.dataset.width, span = +gantt.dataset.span;
          var top = +gantt.dataset.top, rowHeight = +gantt.dataset.row;
          var steps = JSON.parse(document.getElementById('step-index').textContent);
          var timed = document.querySelectorAll('[data-s]');
          var afters = document.querySelectorAll('text.after');
          var axis = gantt.querySelector('g.axis');
          var found = document.getElementById('found');
          var search = document.getElementById('step-search');
          var status = document.getElementById('search-status');
          var view = { from: 0, to: span };
          var chosen = null, matches = [], matchIndex = 0;

          function px(time) { return left + (time - view.from) * width / (view.to - view.from); }
          function roundStep(raw) {
            raw = Math.max(1, raw);
            if (raw > 60e6) {
              var minutes = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600];
              for (var m = 0; m < minutes.length; m++) if (minutes[m] * 60e6 >= raw) return minutes[m] * 60e6;
              return 600 * 60e6;
            }
            for (var power = 1; ; power *= 10) {
              if (power >= raw) return power;
              if (2 * power >= raw) return 2 * power;
              if (5 * power >= raw) return 5 * power;
            }
          }
          function label(value, step) {
            if (value === 0) return '0';
            if (step >= 60e6) {
              var minutes = Math.floor(value / 60e6), seconds = Math.floor(value % 60e6 / 1e6);
              return seconds === 0 ? minutes + 'm' : minutes + 'm' + seconds + 's';
            }
            var unit = step >= 1e5 ? [1e6, 's'] : step >= 100 ? [1e3, 'ms'] : [1, 'µs'];
            var decimals = 0, resolution = unit[0];
            while (resolution > step && resolution % 10 === 0) { resolution /= 10; decimals++; }
            return (value / unit[0]).toFixed(decimals) + unit[1];
          }
          function duration(us) {
            us = Math.round(us);
            if (us < 1000) return us + 'µs';
            if (us < 1e6) return Math.floor(us / 1000) + 'ms';
            return (us / 1e6).toFixed(2) + 's';
          }
          function drawAxis() {
            var axisTop = +axis.dataset.top, bottom = +axis.dataset.bottom;
            var step = roundStep((view.to - view.from) / 8);
            var markup = '';
            for (var tick = Math.ceil(view.from / step) * step; tick <= view.to; tick += step) {
              var x = px(tick).toFixed(1), text = label(tick, step);
              markup += '<line x1="' + x + '" y1="' + (axisTop + 18) + '" x2="' + x + '" y2="' + (bottom - 18) + '"/>'
                + '<text x="' + x + '" y="' + (axisTop + 14) + '" text-anchor="middle">' + text + '</text>'
                + '<text x="' + x + '" y="' + (bottom - 5) + '" text-anchor="middle">' + text + '</text>';
            }
            axis.innerHTML = markup;
          }
          function layout() {
            for (var i = 0; i < timed.length; i++) {
              var element = timed[i], x = px(+element.dataset.s), w = Math.max(1, px(+element.dataset.e) - x);
              if (element.tagName === 'line') {
                element.setAttribute('x1', x.toFixed(1)); element.setAttribute('x2', (x + w).toFixed(1));
              } else if (element.tagName === 'text') {
                element.setAttribute('x', (x + 3).toFixed(1));
                element.classList.toggle('hide', w < +element.dataset.w);
              } else {
                element.setAttribute('x', x.toFixed(1)); element.setAttribute('width', w.toFixed(1));
              }
            }
            for (var j = 0; j < afters.length; j++) afters[j].setAttribute('x', (px(+afters[j].dataset.a) + 4).toFixed(1));
            drawAxis();
            if (chosen) {
              var start = px(chosen[2]);
              found.setAttribute('x', (start - 3).toFixed(1));
              found.setAttribute('y', (top + chosen[1] * rowHeight).toFixed(1));
              found.setAttribute('width', (Math.max(1, px(chosen[3]) - start) + 6).toFixed(1));
              found.setAttribute('height', rowHeight.toFixed(1));
            }
            document.getElementById('zoom-level').textContent = view.to - view.from < span
              ? 'showing ' + duration(view.from) + ' to ' + duration(view.to) : 'whole run';
          }
          function show(from, to) {
            var length = Math.min(span, Math.max(to - from, Math.min(span, 50)));
            from = Math.max(0, Math.min(from, span - length));
            view.from = from; view.to = from + length;
            layout();
          }
          function zoom(factor, centre) {
            if (centre === undefined) centre = (view.from + view.to) / 2;
            var length = (view.to - view.from) / factor;
            show(centre - (centre - view.from) / factor, centre - (centre - view.from) / factor + length);
          }
          function timeAt(clientX) {
            var box = gantt.getBoundingClientRect();
            return view.from + (clientX - box.left - left) / width * (view.to - view.from);
          }
          document.getElementById('zoom-in').addEventListener('click', function () { zoom(2); });
          document.getElementById('zoom-out').addEventListener('click', function () { zoom(0.5); });
          document.getElementById('zoom-fit').addEventListener('click', function () { show(0, span); });
          gantt.addEventListener('wheel', function (event) {
            if (event.ctrlKey || event.metaKey) {
              event.preventDefault();
              zoom(event.deltaY < 0 ? 1.25 : 0.8, timeAt(event.clientX));
            } else if (event.shiftKey) {
              event.preventDefault();
              var shift = (event.deltaY || event.deltaX) / width * (view.to - view.from);
              show(view.from + shift, view.to + shift);
            }
          }, { passive: false });
          var drag = null;
          gantt.addEventListener('mousedown', function (event) { drag = { x: event.clientX, from: view.from, to: view.to }; });
          window.addEventListener('mouseup', function () { drag = null; });
          window.addEventListener('mousemove', function (event) {
            if (!drag) return;
            var shift = (drag.x - event.clientX) / width * (drag.to - drag.from);
            show(drag.from + shift, drag.to + shift);
          });
          function choose(entry) {
            chosen = entry;
            var length = Math.max(entry[3] - entry[2], span / 1000);
            show(entry[2] - 3 * length, entry[3] + 3 * length);
            status.textContent = (matches.length > 1 ? (matchIndex + 1) + ' of ' + matches.length + ': ' : '')
              + entry[0] + ' ' + entry[4] + ', ' + duration(entry[3] - entry[2]) + ' from +' + duration(entry[2])
              + (matches.length > 1 ? ' (Enter: next)' : '');
          }
          search.addEventListener('input', function () {
            var query = search.value.trim().toLowerCase();
            matches = [];
            matchIndex = 0;
            if (query) {
              for (var i = 0; i < steps.length; i++) {
                var name = steps[i][0].toLowerCase();
                if (name === query) matches.unshift(steps[i]); else if (name.indexOf(query) >= 0) matches.push(steps[i]);
              }
            }
            if (matches.length) { choose(matches[0]); return; }
            chosen = null;
            found.setAttribute('width', '0');
            status.textContent = query ? 'no step matches' : '';
          });
          search.addEventListener('keydown', function (event) {
            if (event.key === 'Enter' && matches.length) {
              matchIndex = (matchIndex + 1) % matches.length;
              choose(matches[matchIndex]);
            }
          });
          layout();
          // `report.html#find=NAME` opens the report at that step.
          var linked = /^#find=(.+)$/.exec(window.location.hash);
          if (linked) {
            search.value = decodeURIComponent(linked[1]);
            search.dispatchEvent(new Event('input'));
          }
          document.body.setAttribute('data-report-ready', 'yes');
        })();
        """#
}
