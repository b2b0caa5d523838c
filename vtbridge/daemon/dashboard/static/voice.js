// vtbridge dashboard, microphone panel: level meter with the gate mark, vowel bars, on/off, calibration and the
// gain / gate / smoothing / mix-strength sliders. Listens to the snapshots app.js renders; sends through app.js.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const V = window.vtbridge;
  const FLOOR_DB = -80;
  const OPTIONS = ["gain", "gate", "smoothing", "mix_strength"];
  const pct = (db) => Math.max(0, Math.min(100, (db - FLOOR_DB) / -FLOOR_DB * 100));

  function render(voice) {
    const card = $("voice");
    card.hidden = !voice || !Object.keys(voice).length;
    if (card.hidden) return;
    const on = !!voice.enabled;
    const box = $("voice-on");
    if (document.activeElement !== box) box.checked = on;
    const state = on ? voice.state + (voice.message ? ": " + voice.message : "") : "off";
    $("voice-state").textContent = "(" + state + (voice.source ? " · " + voice.source : "") + ")";
    $("voice-calibrated").textContent = voice.calibrated ? "voice calibrated ✓" : "default vowels";
    $("calibrate-voice").disabled = !on || !!voice.calibrating;
    const prompt = $("voice-prompt");
    prompt.hidden = !voice.calibrating;
    prompt.textContent = voice.calibrating ? "Calibrating (" + Math.round((voice.calibration_progress || 0) * 100) +
      " %): " + voice.calibrating : "";
    const db = typeof voice.volume_db === "number" ? voice.volume_db : null;
    const level = $("voice-level");
    level.style.width = (db === null ? 0 : pct(db)).toFixed(1) + "%";
    level.classList.toggle("gated", db === null || db < voice.gate);
    $("voice-gate-mark").style.left = pct(voice.gate).toFixed(1) + "%";
    $("voice-db").textContent = db === null ? "–" : V.fmt(db, 1);
    $("voice-mix").textContent = V.fmt(voice.mix);
    const bars = {};
    for (const k of ["a", "i", "u", "e", "o", "silence"]) bars[k === "silence" ? "silence" : k.toUpperCase()] = on ? voice[k] : 0;
    V.bars($("voice-bars"), bars, false);
    for (const key of OPTIONS) {
      const input = $("voice-" + key);
      if (document.activeElement !== input && typeof voice[key] === "number") input.value = String(voice[key]);
      $("voice-" + key + "-v").textContent = V.fmt(Number(input.value), key === "gain" || key === "gate" ? 0 : 2);
    }
  }

  $("voice-on").addEventListener("change", () => V.send("set_voice", $("voice-on").checked));
  $("calibrate-voice").addEventListener("click", () => V.send("calibrate_voice"));
  for (const key of OPTIONS) {
    const input = $("voice-" + key);
    input.addEventListener("change", () => V.send("set_voice_option", [key, Number(input.value)]));
  }
  window.addEventListener("vtbridge:snapshot", (ev) => render(ev.detail.voice));
})();
