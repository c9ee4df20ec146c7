// Shrink photos in the browser before they are uploaded: a phone camera's 12-50 MP pictures take minutes
// to send over a weak signal on site, and the portal needs far fewer pixels.
// Progressive enhancement: whenever anything here is missing or fails, the originals are sent unchanged
// and the server copes with full-size photos.
"use strict";

(() => {
  const QUALITY = 0.85;
  // A phone that takes longer than this is better off sending the originals than keeping the person waiting.
  const TIMEOUT_MS = 30000;

  const busy = new WeakSet();

  function supported() {
    try {
      new DataTransfer(); // the only way to put new files into a file input; missing before Safari 14.1
      new File([], "x.jpg", { type: "image/jpeg" });
    } catch (err) {
      return false;
    }
    return typeof HTMLCanvasElement.prototype.toBlob === "function";
  }

  // GIFs may be animated and SVGs are drawings: re-encoding either as a JPEG would spoil them.
  function shrinkable(file) {
    return file.type.startsWith("image/") && file.type !== "image/gif" && file.type !== "image/svg+xml";
  }

  function fileInputs(form) {
    return Array.from(form.elements).filter((el) => el instanceof HTMLInputElement && el.type === "file"
      && !el.disabled && el.name && el.files && el.files.length);
  }

  function submitButtons(form) {
    return Array.from(form.elements).filter((el) => (el instanceof HTMLButtonElement && el.type === "submit")
      || (el instanceof HTMLInputElement && (el.type === "submit" || el.type === "image")));
  }

  // The page's CSP allows data: images but not blob: ones, so the fallback reads the file as a data URL.
  function readAsDataURL(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
  }

  async function decodeWithImg(file) {
    const url = await readAsDataURL(file);
    const img = new Image();
    await new Promise((resolve, reject) => {
      img.onload = resolve;
      img.onerror = () => reject(new Error("image did not decode"));
      img.src = url;
    });
    return { source: img, width: img.naturalWidth, height: img.naturalHeight, close() {} };
  }

  async function decode(file) {
    if (typeof createImageBitmap === "function") {
      try {
        // "from-image" turns the picture upright by its EXIF orientation, as the person saw it.
        const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
        return { source: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() };
      } catch (err) {
        // Older Safari rejects the options, and some formats only an <img> decodes: try that.
      }
    }
    return decodeWithImg(file);
  }

  function toBlob(canvas) {
    return new Promise((resolve, reject) => {
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("no JPEG"))), "image/jpeg", QUALITY);
    });
  }

  function jpegName(name) {
    const base = (name || "").replace(/\.[^./\\]*$/, "");
    return (base || "photo") + ".jpg";
  }

  // Resolves to a smaller JPEG, or to the original when it is already small enough or cannot be shrunk.
  async function shrink(file, maxSide) {
    let image;
    try {
      image = await decode(file);
    } catch (err) {
      return file; // a format this browser cannot read (HEIC on most): the server gets it as it is
    }
    try {
      const { width, height } = image;
      if (!width || !height || Math.max(width, height) <= maxSide) return file;
      const scale = maxSide / Math.max(width, height);
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      const context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // JPEG has no transparency: a PNG's clear parts would turn black
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.imageSmoothingEnabled = true;
      context.imageSmoothingQuality = "high";
      context.drawImage(image.source, 0, 0, canvas.width, canvas.height);
      const blob = await toBlob(canvas);
      canvas.width = canvas.height = 0; // frees the pixels now, which matters on phones with several photos
      if (blob.size >= file.size) return file;
      return new File([blob], jpegName(file.name), { type: "image/jpeg", lastModified: file.lastModified });
    } finally {
      image.close();
    }
  }

  // Works out every input's new files first and only then puts them in, so an input never ends up half done.
  async function shrinkAll(inputs, maxSide, cancelled) {
    const replacements = [];
    for (const input of inputs) {
      const files = new DataTransfer();
      let changed = false;
      for (const file of Array.from(input.files)) {
        const result = shrinkable(file) ? await shrink(file, maxSide) : file;
        if (cancelled()) return;
        files.items.add(result);
        changed = changed || result !== file;
      }
      if (changed) replacements.push([input, files.files]);
    }
    if (cancelled()) return;
    replacements.forEach(([input, files]) => { input.files = files; });
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-shrink-photos")) return;
    // The server's size for kept photos (commissioning.services.PHOTO_SIDE), given by the page.
    const maxSide = parseInt(form.dataset.maxSide, 10);
    if (!(maxSide > 0)) return;
    if (busy.has(form)) {
      event.preventDefault(); // a second tap while the photos are being shrunk
      return;
    }
    if (event.defaultPrevented || !supported()) return;
    const inputs = fileInputs(form).filter((input) => Array.from(input.files).some(shrinkable));
    if (!inputs.length) return;

    // form.submit() below sends neither the button that was pressed nor its formaction and the like.
    // The button's name and value are added back; anything more, or not knowing the button
    // (no SubmitEvent.submitter before Safari 15), and the browser submits the originals itself.
    const buttons = submitButtons(form);
    const submitter = "submitter" in event ? event.submitter : undefined;
    if (submitter === undefined && buttons.some((button) => button.name)) return;
    if (submitter && ["formaction", "formmethod", "formenctype", "formtarget"]
      .some((attribute) => submitter.hasAttribute(attribute))) return;

    event.preventDefault();
    busy.add(form);
    const disabled = buttons.filter((button) => !button.disabled);
    disabled.forEach((button) => { button.disabled = true; });
    form.setAttribute("aria-busy", "true");

    let done = false;
    const timeout = new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS));
    Promise.race([shrinkAll(inputs, maxSide, () => done), timeout])
      .catch(() => {}) // whatever failed, the inputs still hold the originals
      .then(() => {
        done = true;
        if (submitter && submitter.name) {
          const carrier = document.createElement("input");
          carrier.type = "hidden";
          carrier.name = submitter.name;
          carrier.value = submitter.value;
          carrier.setAttribute("data-shrink-submitter", "");
          form.appendChild(carrier);
        }
        // Called from the prototype, because a control named "submit" would hide the form's own method.
        HTMLFormElement.prototype.submit.call(form);
      });

    // Back to this page through the back/forward cache: make the form usable again.
    window.addEventListener("pageshow", function restore(e) {
      if (!e.persisted) return;
      window.removeEventListener("pageshow", restore);
      busy.delete(form);
      disabled.forEach((button) => { button.disabled = false; });
      form.removeAttribute("aria-busy");
      form.querySelectorAll("[data-shrink-submitter]").forEach((carrier) => carrier.remove());
    });
  });
})();
