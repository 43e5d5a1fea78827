/* A signature drawn on a <canvas data-signature-pad="#hidden-input"> with a finger, a pen or the
 * mouse (pointer events cover all three). When its form is sent, the drawing goes along as a PNG data
 * URL in the hidden input; an untouched pad sends nothing, and the name typed beside it still signs.
 * A button[data-signature-clear="#canvas"] wipes the pad. Without JavaScript the pad is hidden
 * (.js-only) and the form signs with the name alone. */
(function () {
  "use strict";

  document.querySelectorAll("canvas[data-signature-pad]").forEach(function (canvas) {
    var target = document.querySelector(canvas.dataset.signaturePad);
    var context = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    var last = null;

    context.lineWidth = 3;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#111";

    function point(event) {
      // The canvas is drawn at its own resolution whatever size CSS shows it at.
      var box = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - box.left) * canvas.width) / box.width,
        y: ((event.clientY - box.top) * canvas.height) / box.height,
      };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      context.beginPath();
      context.arc(last.x, last.y, context.lineWidth / 2, 0, Math.PI * 2);
      context.fillStyle = context.strokeStyle;
      context.fill();
      drawn = true;
    });

    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var next = point(event);
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(next.x, next.y);
      context.stroke();
      last = next;
    });

    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });

    document.querySelectorAll('[data-signature-clear="#' + canvas.id + '"]').forEach(function (button) {
      button.addEventListener("click", function () {
        context.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        if (target) target.value = "";
      });
    });

    var form = canvas.closest("form");
    if (form) {
      form.addEventListener("submit", function () {
        if (target) target.value = drawn ? canvas.toDataURL("image/png") : "";
      });
    }
  });

  var page = document.getElementById("log-page");
  if (page) page.classList.add("js");
})();
