// Asks before an irreversible step: a form with data-confirm="question" is sent only when the
// user agrees (templates: post_button(..., confirm=...) or the attribute on a form).
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
