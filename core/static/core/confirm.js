// Forms with data-confirm ask before submitting; so does a changelist whose chosen action is listed
// in the #hothour-confirm-actions JSON ({action: question}). Kept out of inline handlers for the CSP.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  var listed = document.getElementById("hothour-confirm-actions");
  var action = event.target.querySelector && event.target.querySelector("select[name=action]");
  if (!message && listed && action && event.target.id === "changelist-form") {
    message = JSON.parse(listed.textContent || "{}")[action.value];
  }
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
