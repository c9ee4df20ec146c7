// Find a station on site by scanning the QR code on its label with the phone's camera.
// Progressive enhancement: the server renders the scanner hidden and the find form works without this file.
"use strict";

(() => {
  // Frames are decoded on a timer, not every animation frame: a label held in front of the camera
  // needs no more, and it spares the phone's battery.
  const INTERVAL_MS = 150;
  // jsQR works on raw pixels: a smaller frame decodes much faster and a label still has enough of them.
  const MAX_SIDE = 800;
  // A detector that keeps throwing would leave a camera running that never finds anything.
  const MAX_ERRORS = 20;

  let jsQRLoading = null;

  // Loaded on demand from our own server: most visits never scan, and browsers with BarcodeDetector never need it.
  function loadJsQR(src) {
    if (typeof window.jsQR === "function") return Promise.resolve(window.jsQR);
    if (!jsQRLoading) {
      jsQRLoading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.async = true;
        script.onload = () => {
          if (typeof window.jsQR === "function") resolve(window.jsQR);
          else reject(new Error("jsQR did not load"));
        };
        script.onerror = () => {
          jsQRLoading = null; // let a later tap try again
          script.remove();
          reject(new Error("jsQR did not load"));
        };
        document.head.appendChild(script);
      });
    }
    return jsQRLoading;
  }

  async function nativeDetector(video) {
    if (!("BarcodeDetector" in window)) return null;
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (!formats.includes("qr_code")) return null;
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return async () => {
        const codes = await detector.detect(video);
        const hit = codes.find((code) => code.rawValue);
        return hit ? hit.rawValue : "";
      };
    } catch (err) {
      return null; // some browsers expose the class but cannot use it: fall back to jsQR
    }
  }

  async function jsQRDetector(video, src) {
    const jsQR = await loadJsQR(src);
    const canvas = document.createElement("canvas");
    // Tells the browser to keep the pixels in memory, since every frame is read back.
    const context = canvas.getContext("2d", { willReadFrequently: true });
    return async () => {
      const width = video.videoWidth;
      const height = video.videoHeight;
      if (!width || !height) return "";
      const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      const w = Math.max(1, Math.round(width * scale));
      const h = Math.max(1, Math.round(height * scale));
      if (canvas.width !== w) canvas.width = w;
      if (canvas.height !== h) canvas.height = h;
      context.drawImage(video, 0, 0, w, h);
      const image = context.getImageData(0, 0, w, h);
      // Labels may be printed light on dark, or seen through glare: try both polarities.
      const result = jsQR(image.data, w, h, { inversionAttempts: "attemptBoth" });
      return result && result.data ? result.data : "";
    };
  }

  async function makeDetector(video, src) {
    return (await nativeDetector(video)) || jsQRDetector(video, src);
  }

  function stopTracks(stream) {
    if (stream) stream.getTracks().forEach((track) => track.stop());
  }

  function setUp(section) {
    const startButton = section.querySelector("[data-scan-start]");
    const stopButton = section.querySelector("[data-scan-stop]");
    const video = section.querySelector("[data-scan-video]");
    const status = section.querySelector("[data-scan-status]");
    const form = document.querySelector("[data-scan-form]");
    const codeInput = form && form.querySelector("[data-scan-code]");
    if (!startButton || !stopButton || !video || !status || !codeInput) return;

    // Without a camera API (old browser, or a page not served over HTTPS) the button could only fail.
    if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) return;

    const messages = section.dataset; // translated by the server
    let stream = null;
    let timer = null;
    let submitted = false;
    // Each start gets a number; a stop bumps it, so a camera or a decode that arrives late is dropped.
    let run = 0;

    const say = (text) => { status.textContent = text || ""; };

    function halt() {
      run += 1;
      clearTimeout(timer);
      timer = null;
      stopTracks(stream);
      stream = null;
      video.srcObject = null;
    }

    function idle() {
      video.hidden = true;
      stopButton.hidden = true;
      startButton.hidden = false;
      startButton.disabled = false;
    }

    function fail(err) {
      const moveFocus = section.contains(document.activeElement);
      halt();
      idle();
      const denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
      say(denied ? messages.msgDenied : messages.msgUnsupported);
      if (moveFocus) startButton.focus();
    }

    function found(text) {
      if (submitted) return;
      submitted = true;
      halt();
      video.hidden = true;
      stopButton.hidden = true;
      say(messages.msgFound);
      codeInput.value = text;
      // requestSubmit lets the page's own submit listeners run; submit() is for browsers without it.
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    }

    async function tick(current, detect, errors) {
      if (current !== run) return;
      let text = "";
      try {
        // No point decoding while the tab is in the background or before the first frame.
        if (!document.hidden && video.readyState >= video.HAVE_CURRENT_DATA) text = await detect();
        errors = 0;
      } catch (err) {
        // A single bad frame (the camera switching resolution, say) is not a reason to give up.
        errors += 1;
        if (errors >= MAX_ERRORS) {
          if (current === run) fail(err);
          return;
        }
      }
      if (current !== run) return;
      text = (text || "").trim();
      if (text) {
        found(text);
        return;
      }
      timer = setTimeout(() => tick(current, detect, errors), INTERVAL_MS);
    }

    async function start() {
      if (stream || submitted) return;
      const current = ++run;
      startButton.disabled = true; // a second tap while the permission prompt is open
      say(messages.msgStarting);
      // Fetch the decoder while the person answers the camera prompt.
      const detector = makeDetector(video, section.dataset.vendorSrc);
      detector.catch(() => {}); // handled below; a denied camera must not leave an unhandled rejection
      try {
        const media = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: { ideal: "environment" } },
          audio: false,
        });
        if (current !== run) {
          stopTracks(media); // stopped, or the page was left, while the prompt was open
          return;
        }
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        stopButton.hidden = false;
        startButton.hidden = true;
        startButton.disabled = false;
        stopButton.focus(); // the focused Start button just disappeared
        await video.play();
        const detect = await detector;
        if (current !== run) return;
        tick(current, detect, 0);
      } catch (err) {
        if (current === run) fail(err);
      }
    }

    startButton.addEventListener("click", start);
    stopButton.addEventListener("click", () => {
      halt();
      idle();
      say("");
      startButton.focus();
    });
    // Leaving the page must switch the camera (and its light) off at once.
    window.addEventListener("pagehide", halt);
    // Back from the station page through the back/forward cache: offer the scanner again.
    window.addEventListener("pageshow", (event) => {
      if (!event.persisted) return;
      halt();
      submitted = false;
      idle();
      say("");
    });

    section.hidden = false;
  }

  function init() {
    document.querySelectorAll("[data-scan]").forEach(setUp);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
