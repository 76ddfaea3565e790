/* Ticket QR codes on the order page, drawn here from each ticket's signed payload: the server
   sends a few hundred bytes per ticket instead of encoding the code itself (Reed-Solomon in pure
   Python was the costliest part of the page). Without JavaScript, the <noscript> image inside
   each .qr is the same code drawn by the server. */
(function () {
  "use strict";
  if (typeof qrcode !== "function") { return; }
  var BORDER = 2;
  Array.prototype.forEach.call(document.querySelectorAll(".qr[data-payload]"), function (box) {
    var code = qrcode(0, "M");
    code.addData(box.dataset.payload);
    code.make();
    var count = code.getModuleCount(), size = count + 2 * BORDER, runs = [];
    for (var row = 0; row < count; row++) {
      for (var col = 0; col < count; col++) {
        if (!code.isDark(row, col)) { continue; }
        var start = col;
        while (col < count && code.isDark(row, col)) { col++; }
        runs.push("M" + (start + BORDER) + " " + (row + BORDER) + "h" + (col - start) + "v1h-" + (col - start) + "z");
      }
    }
    box.innerHTML = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + size + " " + size +
      '" shape-rendering="crispEdges" aria-hidden="true"><rect width="' + size + '" height="' + size +
      '" fill="#fff"/><path fill="#000" d="' + runs.join("") + '"/></svg>';
  });
}());
