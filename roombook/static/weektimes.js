// Wished times, several a day: the page sends each day an empty pair for one more window (enough without
// scripts: one more after each save). With scripts that pair waits behind the day's "Weitere Zeit" button,
// and each press shows one more, up to the fieldset's data-max. A file of its own: the CSP allows no inline script.
document.querySelectorAll(".weektimes").forEach((fieldset) => {
  const max = Number(fieldset.dataset.max || 4);
  fieldset.querySelectorAll(".weekday").forEach((day) => {
    const button = day.querySelector(".add-window");
    const spare = day.querySelector(".window[data-spare]");
    if (!button || !spare) return;
    spare.hidden = true;
    button.hidden = false;
    button.addEventListener("click", () => {
      const hidden = day.querySelector(".window[hidden]");
      if (!hidden) return;
      hidden.hidden = false;
      hidden.querySelector("input").focus();
      const count = day.querySelectorAll(".window").length;
      if (count >= max) {
        button.hidden = true;
        return;
      }
      // the next spare: the same inputs, numbered on (`<day>-<n>-from`), empty
      const next = hidden.cloneNode(true);
      next.hidden = true;
      const stem = `${day.dataset.day}-${count}`;
      next.querySelectorAll("input").forEach((input) => {
        const part = input.name.endsWith("-to") ? "to" : "from";
        input.id = input.name = `${stem}-${part}`;
        input.value = "";
      });
      next.querySelectorAll("label").forEach((label) => {
        label.htmlFor = `${stem}-${label.htmlFor.endsWith("-to") ? "to" : "from"}`;
      });
      hidden.after(next);
    });
  });
});
