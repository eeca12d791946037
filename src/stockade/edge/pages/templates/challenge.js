// Stockade's proof of work: find a counter such that SHA-256(token + ":" + counter)
// starts with `difficulty` zero bits, then hand it to the edge, which checks it with one
// hash. SHA-256 is written out because crypto.subtle exists only on HTTPS pages.
(function () {
  "use strict";
  var K = [{{ sha256_rounds }}];
  var INITIAL = [{{ sha256_initial }}];
  var box = document.getElementById("stockade-challenge");
  var token = box.getAttribute("data-token");
  var difficulty = +box.getAttribute("data-difficulty");
  var w = new Array(64);

  function rotate(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  function sha256(text) {
    var length = text.length;
    var words = new Array((((length + 8) >> 6) + 1) * 16).fill(0);
    var i;
    for (i = 0; i < length; i++) words[i >> 2] |= text.charCodeAt(i) << (24 - (i % 4) * 8);
    words[length >> 2] |= 0x80 << (24 - (length % 4) * 8);
    words[words.length - 1] = length * 8;
    var h = INITIAL.slice();
    for (var block = 0; block < words.length; block += 16) {
      for (i = 0; i < 16; i++) w[i] = words[block + i];
      for (i = 16; i < 64; i++) {
        var s0 = rotate(w[i - 15], 7) ^ rotate(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        var s1 = rotate(w[i - 2], 17) ^ rotate(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (i = 0; i < 64; i++) {
        var t1 = (k + (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        var t2 = ((rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
    }
    return h;
  }

  function zeroBits(h) {
    for (var i = 0; i < 8; i++) {
      if (h[i] !== 0) return i * 32 + Math.clz32(h[i]);
    }
    return 256;
  }

  var counter = 0;
  function work() {
    // In slices, so that the page stays responsive on a slow device.
    for (var stop = counter + 20000; counter < stop; counter++) {
      if (zeroBits(sha256(token + ":" + counter)) >= difficulty) {
        box.textContent = "Done, loading the site\u2026";
        location.replace(box.getAttribute("data-verify") + "?token=" + token + "&counter=" +
          counter + "&return=" + box.getAttribute("data-return-to"));
        return;
      }
    }
    box.textContent = "Checking your browser\u2026 (" + counter + " tries)";
    setTimeout(work, 0);
  }
  work();
})();
