// Copy buttons: <button data-copy="ID" data-copied="Copied"> copies the value of the input #ID and says so
// in the next .copy-status. A file of its own: the content security policy allows no inline script.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  if (!input) return;
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch (_refused) {
    document.execCommand("copy"); // older browsers, and pages not served over https
  }
  const status = button.parentElement.querySelector(".copy-status");
  if (status) status.textContent = button.dataset.copied || "";
});
