// The lead board's drag and drop (native HTML5): a card dropped on another stage's column
// submits the card's own move form (the one its ← and → buttons submit) with that stage.
// A drop on "lost" opens the card's "Mark lost" form instead, since a lost lead needs a reason.
(() => {
  const cardOf = (node) => (node instanceof Element ? node.closest("[data-lead]") : null);
  const columnOf = (node) => (node instanceof Element ? node.closest("[data-drop-stage]") : null);

  document.addEventListener("dragstart", (event) => {
    const card = cardOf(event.target);
    if (!card) return;
    event.dataTransfer.setData("text/plain", card.dataset.lead);
    event.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });
  document.addEventListener("dragend", (event) => {
    const card = cardOf(event.target);
    if (card) card.classList.remove("dragging");
    document.querySelectorAll(".drop-target").forEach((c) => c.classList.remove("drop-target"));
  });
  document.addEventListener("dragover", (event) => {
    const column = columnOf(event.target);
    if (!column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("drop-target");
  });
  document.addEventListener("dragleave", (event) => {
    const column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });
  document.addEventListener("drop", (event) => {
    const column = columnOf(event.target);
    if (!column) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    const id = event.dataTransfer.getData("text/plain");
    const card = document.querySelector(`[data-lead="${CSS.escape(id)}"]`);
    const stage = column.dataset.dropStage;
    if (!card || card.dataset.stage === stage) return;
    if (stage === "lost") {
      const lost = card.querySelector("details.lost-form");
      if (lost) {
        lost.open = true;
        lost.querySelector("select").focus();
      }
      return;
    }
    const form = card.querySelector("form.stage-move");
    const target = form && form.querySelector("[data-drop-target]");
    if (!target) return;
    target.value = stage;
    target.disabled = false;
    form.requestSubmit();
  });

  // After a move the board is new: keep the keyboard where it was, on the moved card's button
  // of the same direction (else its other one, else its link).
  let direction = ".stage-next";
  document.addEventListener("htmx:beforeSwap", () => {
    const active = document.activeElement;
    direction = active && active.matches(".stage-prev") ? ".stage-prev" : ".stage-next";
  });
  document.addEventListener("htmx:afterSwap", () => {
    const board = document.getElementById("board");
    const moved = board && board.dataset.moved;
    if (!moved) return;
    const card = document.getElementById(`lead-card-${moved}`);
    if (!card) return;
    const other = direction === ".stage-next" ? ".stage-prev" : ".stage-next";
    const focus = [direction, other, ".lead-link"].map((s) => card.querySelector(s)).find(Boolean);
    if (focus) focus.focus();
  });
})();
