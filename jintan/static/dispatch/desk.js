/* Small enhancements of the dispatch desk and the ticket page's dispatch form.
 * Everything works without this file: the server validates every choice.
 * - "select all" ticks every ticket on the page;
 * - choosing a unit narrows the worker and department lists to those that
 *   serve it (their unit or territory contains the chosen unit). */
(function () {
  "use strict";

  function bounds(el) {
    if (!el || !el.dataset || el.dataset.tree === undefined) return null;
    return {
      tree: el.dataset.tree,
      lft: Number(el.dataset.lft),
      rght: Number(el.dataset.rght),
    };
  }

  function covers(outer, inner) {
    return outer.tree === inner.tree && outer.lft <= inner.lft && inner.lft <= outer.rght;
  }

  function narrow(select, unit) {
    if (!select) return;
    Array.prototype.forEach.call(select.options, function (option) {
      var place = bounds(option);
      if (!place) return; // the empty choice
      var fits = !unit || covers(place, unit);
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) select.value = "";
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      var visible = group.querySelector("option:not([hidden])");
      group.hidden = !visible;
    });
  }

  function wireTargets(scope) {
    var unitSelect = scope.querySelector("select[name$='unit']");
    if (!unitSelect) return;
    var owner = scope.querySelector("select[name$='owner']");
    var department = scope.querySelector("select[name$='department']");
    function update() {
      var unit = bounds(unitSelect.options[unitSelect.selectedIndex]);
      narrow(owner, unit);
      narrow(department, unit);
    }
    unitSelect.addEventListener("change", update);
    update();
  }

  function wireSelectAll() {
    var all = document.getElementById("select-all");
    if (!all) return;
    var picks = document.querySelectorAll("input.pick");
    all.hidden = picks.length === 0;
    all.addEventListener("change", function () {
      picks.forEach(function (pick) { pick.checked = all.checked; });
    });
    picks.forEach(function (pick) {
      pick.addEventListener("change", function () {
        var ticked = document.querySelectorAll("input.pick:checked").length;
        all.checked = ticked === picks.length;
        all.indeterminate = ticked > 0 && ticked < picks.length;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireSelectAll();
    var desk = document.getElementById("desk-form");
    if (desk) wireTargets(desk);
    var dispatchForm = document.getElementById("act-dispatch");
    if (dispatchForm) wireTargets(dispatchForm);
  });
})();
