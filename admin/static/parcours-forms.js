// Admin forms as a Belgian coordinator expects them, registered with Flask-Admin's form script
// (so inline rows added later get them too):
// - date boxes: dd/mm/yyyy typed freely, a picker in the user's language starting on Monday;
// - pickers that may be empty show their prompt ("— choose —"), never the code "__None".
(function () {
  var DAY_FIRST = /^\s*(\d{1,2})\s*[\/.\-]\s*(\d{1,2})\s*[\/.\-]\s*(\d{4})\s*$/;

  function typedDate(text) {
    var match = DAY_FIRST.exec(text || '');
    if (!match) { return null; }
    var day = moment([+match[3], +match[2] - 1, +match[1]]);
    return day.isValid() ? day : null;
  }

  function belgianDate($el) {
    var locale = JSON.parse($el.attr('data-picker-locale') || '{}');
    // What the user typed stays, even a wrong date (the server names the mistake): the
    // picker would replace it by "Invalid date".
    var typed = $el.val();
    var shown = typedDate(typed) || moment();
    $el.daterangepicker({
      startDate: shown.clone().startOf('day'),
      endDate: shown.clone().endOf('day'),
      singleDatePicker: true,
      showDropdowns: true,
      timePicker: false,
      format: 'DD/MM/YYYY',
      minDate: moment([1920, 0, 1]),
      maxDate: moment().add(10, 'years').endOf('year'),
      locale: locale
    });
    $el.val(typed);
    var picker = $el.data('daterangepicker');
    // The picker would rewrite the box at every key press ("1" becomes a whole date):
    // the typed text stays as typed; the server reads it.
    $el.off('keyup.daterangepicker');
    $el.on('show.daterangepicker', function () {
      var day = typedDate($el.val());
      if (!day) { return; }
      picker.startDate = day.clone().startOf('day');
      picker.endDate = day.clone().endOf('day');
      picker.oldStartDate = picker.startDate.clone();
      picker.oldEndDate = picker.endDate.clone();
      picker.updateView();
      picker.updateCalendars();
    });
  }

  function selectWithPrompt($el) {
    var blank = $el.find('option[value="__None"]');
    $el.select2({
      width: 'resolve',
      allowClear: true,
      placeholder: {id: '__None', text: blank.text() || ' '}
    });
  }

  $(document).on('adminFormReady', function () {
    window.faForm.addFieldConverter(function ($el, name) {
      if (name === 'belgian-date') { belgianDate($el); return true; }
      if (name === 'select2' && $el.attr('data-allow-blank') && !$el.attr('multiple')) {
        selectWithPrompt($el);
        return true;
      }
      if (name === 'belgian-time') { return true; }
      return false;
    });
  });
})();
