// Progressive enhancements for the commissioning wizard; every step works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // The phone's GPS position, with its accuracy, into the latitude and longitude fields.
  const gps = document.querySelector("[data-gps]");
  if (gps && "geolocation" in navigator) {
    const start = gps.querySelector("[data-gps-start]");
    const status = gps.querySelector("[data-gps-status]");
    const latitude = gps.querySelector("input[name=latitude]");
    const longitude = gps.querySelector("input[name=longitude]");
    const accuracy = gps.querySelector("[data-gps-accuracy]");
    start.hidden = false;
    start.addEventListener("click", () => {
      status.textContent = gps.dataset.msgLocating;
      start.disabled = true;
      navigator.geolocation.getCurrentPosition((position) => {
        const { latitude: lat, longitude: lon, accuracy: metres } = position.coords;
        latitude.value = lat.toFixed(6);
        longitude.value = lon.toFixed(6);
        accuracy.value = String(Math.round(metres));
        status.textContent = gps.dataset.msgAccuracy.replace("{metres}", String(Math.round(metres)));
        start.disabled = false;
        latitude.dispatchEvent(new Event("input", { bubbles: true }));
      }, (error) => {
        status.textContent = error.code === error.PERMISSION_DENIED ? gps.dataset.msgDenied : gps.dataset.msgFailed;
        start.disabled = false;
      }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 });
    });
    // A typed position has no accuracy figure from the phone.
    [latitude, longitude].forEach((input) => input.addEventListener("change", () => { accuracy.value = ""; }));
  }

  // What is typed in a step is kept on the phone until the server has it, so a closed tab or a
  // failed send on a weak connection loses nothing. The server's saved answers win when present.
  // Once commissioned, the phone's copies of the answers (an address, a position) are removed.
  const done = document.querySelector("[data-clear-drafts]");
  if (done && window.localStorage) {
    ["location-", "installation-", "tests-"].forEach((step) => localStorage.removeItem("commissioning:" + step + done.dataset.clearDrafts));
  }
  const form = document.querySelector("form[data-keep-draft]");
  if (!form || !window.localStorage) return;
  const key = "commissioning:" + form.dataset.keepDraft;
  const fields = () => Array.from(form.elements).filter((el) => el.name && el.name !== "csrf_token" && el.type !== "file");
  let kept = null;
  try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (error) { kept = null; }
  if (kept && !form.querySelector("[aria-invalid]")) {
    fields().forEach((el) => {
      if (!(el.name in kept)) return;
      if (el.type === "radio" || el.type === "checkbox") {
        if (!form.querySelector(`[name="${el.name}"]:checked`)) el.checked = kept[el.name] === el.value;
      } else if (!el.value) {
        el.value = kept[el.name];
      }
    });
  }
  const save = () => {
    const values = {};
    fields().forEach((el) => {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      values[el.name] = el.value;
    });
    try { localStorage.setItem(key, JSON.stringify(values)); } catch (error) { /* storage full or disabled */ }
  };
  form.addEventListener("input", save);
  form.addEventListener("change", save);
});
