// Public pages: "Print this page" opens the browser's print dialog (the print stylesheet does the rest).
document.querySelectorAll("[data-print]").forEach(function (link) {
  link.addEventListener("click", function (event) { event.preventDefault(); window.print(); });
});
