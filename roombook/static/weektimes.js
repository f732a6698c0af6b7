// Wished times, several a day. The page sends each day its stored windows, an empty pair to fill in (enough
// without scripts: one more window after each save) and further empty pairs, hidden. With scripts the empty
// pair of a day that has times already waits behind the day's "Weitere Zeit" button too, and each press shows
// the next. A file of its own: the content security policy allows no inline script.
document.querySelectorAll(".weektimes .weekday").forEach((day) => {
  const button = day.querySelector(".add-window");
  if (!button) return;
  const spare = day.querySelector(".window[data-spare]:not([hidden])");
  if (spare) spare.hidden = true; // the day has times: one more only when asked for
  const update = () => { button.hidden = !day.querySelector(".window[hidden]"); };
  update();
  button.addEventListener("click", () => {
    const next = day.querySelector(".window[hidden]");
    if (!next) return;
    next.hidden = false;
    next.querySelector("input").focus();
    update();
  });
});
