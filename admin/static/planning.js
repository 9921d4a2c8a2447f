// Live progress of a planning run: poll its status, fill the bar, reload when done.
(function () {
  var card = document.getElementById('progress-card');
  if (!card) { return; }
  var bar = document.getElementById('progress-bar');
  var csrf = document.querySelector('input[name=csrf_token]');
  function show(data) {
    var share = data.time_limit ? Math.min(100, 100 * data.elapsed / data.time_limit) : 0;
    if (data.gap !== null && data.gap !== undefined) { share = Math.max(share, 100 * (1 - Math.min(1, data.gap))); }
    bar.style.width = Math.max(2, share) + '%';
    bar.setAttribute('aria-valuenow', Math.round(share));
    document.getElementById('progress-status').textContent = data.status_label;
    document.getElementById('progress-elapsed').textContent = data.elapsed;
    document.getElementById('progress-objective').textContent = data.objective === null ? '—' : Math.round(data.objective);
    document.getElementById('progress-gap').textContent = data.gap === null ? '—' : (100 * data.gap).toFixed(1) + ' %';
    document.getElementById('progress-solutions').textContent = data.solutions;
  }
  function poll() {
    fetch(card.dataset.progressUrl, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        show(data);
        if (data.done) { bar.style.width = '100%'; bar.classList.remove('progress-bar-animated'); window.location.reload(); }
        else { window.setTimeout(poll, 500); }
      })
      .catch(function () { window.setTimeout(poll, 1500); });
  }
  var stop = document.getElementById('stop-button');
  if (stop) {
    stop.addEventListener('click', function () {
      stop.disabled = true;
      fetch(card.dataset.stopUrl, {method: 'POST', credentials: 'same-origin',
        headers: {'X-CSRFToken': csrf ? csrf.value : ''}});
    });
  }
  poll();
})();
