// Buttons and forms with data-confirm ask before submitting (kept out of inline handlers for the CSP).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
