// Drag a draft session to another time. While it is dragged, every half hour of the week is
// marked: green where the verifier accepts it, red where it does not (hover or drag over a red
// place to read why). Dropping sends the session's own "Move" form, so the server checks again.
(function () {
  var grid = document.querySelector('.week-grid[data-drag]');
  if (!grid) { return; }
  var status = document.getElementById('drag-status');
  var days = JSON.parse(grid.dataset.days);
  var firstHour = Number(grid.dataset.firstHour);
  var cache = {};
  var marks = [];
  var dragged = null;

  function say(text) { if (status) { status.textContent = text; } }

  function load(block) {
    var url = block.dataset.placesUrl;
    if (!cache[url]) {
      cache[url] = fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
        .then(function (r) { return r.json(); })
        .then(function (data) { return data.places; });
    }
    return cache[url];
  }

  function clear() {
    marks.forEach(function (mark) { mark.remove(); });
    marks = [];
  }

  function move(place) {
    var form = dragged && dragged.querySelector('form.wg-move');
    if (!form) { return; }
    form.querySelector('[name=date]').value = place.date;
    form.querySelector('[name=start]').value = place.start;
    form.submit();
  }

  function show(places) {
    clear();
    places.forEach(function (place) {
      var column = days.indexOf(place.date);
      var parts = place.start.split(':');
      var row = ((Number(parts[0]) - firstHour) * 60 + Number(parts[1])) / 15 + 2;
      if (column < 0 || row < 2) { return; }
      var mark = document.createElement('div');
      mark.className = 'wg-place ' + (place.fits ? 'wg-fits' : 'wg-blocked');
      mark.style.gridColumn = String(column + 2);
      mark.style.gridRow = row + ' / span 2';
      mark.dataset.date = place.date;
      mark.dataset.start = place.start;
      mark.dataset.testid = place.fits ? 'place-fits' : 'place-blocked';
      var why = place.fits ? status.dataset.fits : place.why.join(' ');
      mark.title = place.start + ' · ' + why;
      mark.addEventListener('dragover', function (event) {
        event.preventDefault();
        event.dataTransfer.dropEffect = 'move';
      });
      mark.addEventListener('dragenter', function () { say(place.start + ' · ' + why); });
      mark.addEventListener('drop', function (event) { event.preventDefault(); move(place); });
      grid.appendChild(mark);
      marks.push(mark);
    });
  }

  grid.querySelectorAll('[draggable=true]').forEach(function (block) {
    block.addEventListener('mouseenter', function () { load(block); });
    block.addEventListener('dragstart', function (event) {
      dragged = block;
      event.dataTransfer.effectAllowed = 'move';
      event.dataTransfer.setData('text/plain', block.dataset.key);
      say(status.dataset.loading);
      load(block).then(function (places) { if (dragged === block) { show(places); say(''); } });
    });
    block.addEventListener('dragend', function () {
      window.setTimeout(function () { if (!document.hidden) { clear(); dragged = null; } }, 0);
    });
  });
})();
