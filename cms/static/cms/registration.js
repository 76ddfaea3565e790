// Conditional registration questions: a field with data-show-if="<question>" and
// data-show-value="<answer>" is shown (and required, when data-required) only while that
// question has that answer. The server applies the same rule (cms/registration.py).
(function () {
  function answers(form, name) {
    var values = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      if (input.type === "checkbox" && !input.value.match(/^(on|true)$/) && input.form) {
        if (input.checked) values.push(input.value);
      } else if (input.type === "checkbox") {
        values.push(input.checked ? "yes" : "no");
      } else if (input.type === "radio") {
        if (input.checked) values.push(input.value);
      } else if (input.multiple) {
        Array.prototype.forEach.call(input.selectedOptions, function (o) { values.push(o.value); });
      } else {
        values.push(input.value);
      }
    });
    return values.map(function (v) { return String(v).trim().toLowerCase(); });
  }
  function holder(input) { return input.closest("[data-question]") || input.parentElement; }
  function update(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (input) {
      var controller = form.querySelector('[name="' + input.dataset.showIf + '"]');
      var shown = !!controller && !holder(controller).hidden &&
        answers(form, input.dataset.showIf).indexOf(input.dataset.showValue.trim().toLowerCase()) !== -1;
      holder(input).hidden = !shown;
      input.disabled = !shown;
      if (input.dataset.required) input.required = shown;
    });
  }
  document.querySelectorAll("form.registration").forEach(function (form) {
    form.addEventListener("change", function () { update(form); });
    form.addEventListener("input", function () { update(form); });
    update(form);
  });
})();
