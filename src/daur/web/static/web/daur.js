// Daur's few behaviours, here rather than inline (the Content-Security-Policy runs no inline
// script or event handler): a <select data-submit-on-change> (or a check-box) submits its form when changed.
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-submit-on-change], input[data-submit-on-change]")) {
    event.target.form.submit();
  }
});
