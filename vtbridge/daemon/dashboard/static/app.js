// vtbridge dashboard: shows the snapshots the daemon pushes over the websocket and sends commands back.
// Plain script, no build step, no external URLs. Text messages are JSON snapshots; binary messages are JPEG frames.
"use strict";

(function () {
  const token = new URLSearchParams(location.search).get("token") || "";
  const $ = (id) => document.getElementById(id);
  const OUTPUT_LABELS = { vmc: "VMC", ifm: "iFacialMocap", vts: "VTube Studio", vcam: "Virtual camera" };
  let ws = null;
  let retryMs = 500;
  let last = null;
  let frameUrl = null;
  let updates = 0;
  let hzCount = 0;
  let hzSince = performance.now();

  function send(kind, arg) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ kind: kind, arg: arg }));
  }

  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws?token=" +
      encodeURIComponent(token);
    ws = new WebSocket(url);
    ws.binaryType = "blob";
    ws.onopen = () => { retryMs = 500; setConn(true); };
    ws.onclose = () => { setConn(false); setTimeout(connect, retryMs); retryMs = Math.min(retryMs * 2, 5000); };
    ws.onmessage = (ev) => {
      if (typeof ev.data === "string") {
        const msg = JSON.parse(ev.data);
        if (msg.type === "snapshot") render(msg);
      } else {
        showFrame(ev.data);
      }
    };
  }

  function setConn(online) {
    const el = $("conn");
    el.textContent = online ? "live" : "offline — reconnecting";
    el.classList.toggle("online", online);
  }

  function showFrame(blob) {
    const img = $("frame");
    const url = URL.createObjectURL(blob);
    img.onload = () => {
      if (frameUrl && frameUrl !== url) URL.revokeObjectURL(frameUrl);
      frameUrl = url;
      $("no-frame").hidden = true;
      drawLandmarks();
    };
    img.src = url;
  }

  function drawLandmarks() {
    const img = $("frame");
    const canvas = $("overlay");
    const w = img.clientWidth, h = img.clientHeight;
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, w, h);
    if (!last || !last.face || !last.landmarks || !img.naturalWidth) return;
    // The image is letterboxed (object-fit: contain): map normalised points into the picture's own rectangle.
    const scale = Math.min(w / img.naturalWidth, h / img.naturalHeight);
    const pw = img.naturalWidth * scale, ph = img.naturalHeight * scale;
    const ox = (w - pw) / 2, oy = (h - ph) / 2;
    ctx.fillStyle = "rgba(80, 230, 160, 0.95)";
    for (const p of last.landmarks) {
      if (!p || p.length < 2 || p[0] === null || p[1] === null) continue;
      ctx.beginPath();
      ctx.arc(ox + p[0] * pw, oy + p[1] * ph, 1.8, 0, 2 * Math.PI);
      ctx.fill();
    }
  }

  function fmt(v, digits) {
    return (typeof v === "number") ? v.toFixed(digits === undefined ? 2 : digits) : "–";
  }

  // Keyed rows that are created once and then only updated, so 20 updates a second stay cheap.
  function bars(container, values, signed) {
    const names = Object.keys(values || {});
    for (const name of names) {
      let row = container.querySelector('[data-name="' + CSS.escape(name) + '"]');
      if (!row) {
        row = document.createElement("div");
        row.className = "bar";
        row.dataset.name = name;
        row.innerHTML = '<span class="label"></span><span class="track"><span class="fill"></span></span>' +
          '<span class="num"></span>';
        row.querySelector(".label").textContent = name;
        row.title = name;
        container.appendChild(row);
      }
      const v = values[name];
      const mag = typeof v === "number" ? Math.min(1, Math.abs(v)) : 0;
      const fill = row.querySelector(".fill");
      fill.style.width = (mag * 100).toFixed(1) + "%";
      fill.classList.toggle("neg", signed && v < 0);
      row.querySelector(".num").textContent = fmt(v);
    }
    for (const row of Array.from(container.children)) {
      if (!(row.dataset.name in (values || {}))) row.remove();
    }
  }

  function numbers(container, values, digits, unit) {
    container.innerHTML = "";
    for (const [name, v] of Object.entries(values || {})) {
      const cell = document.createElement("div");
      cell.className = "number";
      cell.dataset.name = name;
      cell.innerHTML = '<span class="muted"></span><b></b>';
      cell.firstChild.textContent = name;
      cell.lastChild.textContent = fmt(v, digits) + (unit || "");
      container.appendChild(cell);
    }
  }

  function renderOutputs(outputs) {
    const list = $("outputs");
    const seen = new Set();
    for (const o of outputs || []) {
      seen.add(o.name);
      let item = list.querySelector('[data-name="' + CSS.escape(o.name) + '"]');
      if (!item) {
        item = document.createElement("div");
        item.className = "output";
        item.dataset.name = o.name;
        item.innerHTML = '<label class="head"><input type="checkbox"><span class="name"></span></label>' +
          '<span class="state"></span><span class="pps"></span><div class="detail"></div>';
        item.querySelector(".name").textContent = OUTPUT_LABELS[o.name] || o.name;
        const box = item.querySelector("input");
        box.id = "output-" + o.name;
        box.addEventListener("change", () => send("set_output", [o.name, box.checked]));
        list.appendChild(item);
      }
      const box = item.querySelector("input");
      if (document.activeElement !== box) box.checked = !!o.enabled;
      const state = item.querySelector(".state");
      state.textContent = o.enabled ? o.state : "off";
      state.dataset.state = o.enabled ? o.state : "off";
      item.querySelector(".pps").textContent = o.enabled ? fmt(o.packets_per_s, 0) + " pkt/s" : "";
      const bits = [];
      const d = o.detail || {};
      if (d.auth) bits.push("auth: " + d.auth);
      for (const [k, v] of Object.entries(d)) if (k !== "auth" && typeof v !== "object") bits.push(k + ": " + v);
      if (Array.isArray(d.receivers) && d.receivers.length) bits.push("receivers: " + d.receivers.join(", "));
      if (o.last_error) bits.push("last error: " + o.last_error);
      const detail = item.querySelector(".detail");
      detail.textContent = bits.join(" · ");
      detail.hidden = bits.length === 0;
    }
    for (const item of Array.from(list.children)) if (!seen.has(item.dataset.name)) item.remove();
  }

  function renderProfiles(snap) {
    const select = $("profile");
    const names = snap.profiles && snap.profiles.length ? snap.profiles : (snap.profile ? [snap.profile] : []);
    const key = names.join("\n");
    if (select.dataset.key !== key) {
      select.innerHTML = "";
      for (const n of names) {
        const opt = document.createElement("option");
        opt.value = opt.textContent = n;
        select.appendChild(opt);
      }
      select.dataset.key = key;
    }
    if (document.activeElement !== select) select.value = snap.profile;
  }

  // The virtual camera card: settings from the snapshot, changes sent as set_vcam, its picture polled as JPEG.
  let vcamOn = false;
  let vcamLoading = false;
  function renderVcam(snap) {
    const v = snap.vcam || {};
    const info = (snap.outputs || []).find((o) => o.name === "vcam");
    vcamOn = !!(info && info.enabled);
    $("vcam").hidden = !snap.vcam || Object.keys(v).length === 0;
    const set = (id, prop, value) => { const el = $(id); if (document.activeElement !== el) el[prop] = value; };
    set("vcam-blur", "value", v.blur || 0);
    set("vcam-touch_up", "value", v.touch_up || 0);
    set("vcam-frame-auto", "checked", v.frame === "auto");
    set("vcam-light-auto", "checked", v.light === "auto");
    set("vcam-mirror", "checked", !!v.mirror);
    set("vcam-flip", "checked", !!v.flip);
    set("vcam-background", "value", v.background || "");
    set("vcam-mode", "value", v.mode || "passthrough");
    set("vcam-portrait", "value", v.portrait || "");
    set("vcam-style", "value", v.style || "");
    set("vcam-style_region", "value", v.style_region || "frame");
    set("vcam-character", "value", v.character || "");
    const sizes = $("vcam-size");
    if (v.size && !Array.from(sizes.options).some((o) => o.value === v.size)) {
      const opt = document.createElement("option");
      opt.value = opt.textContent = v.size;
      sizes.appendChild(opt);
    }
    set("vcam-size", "value", v.size || "1280x720");
    $("vcam-fps").textContent = v.fps ? "@ " + v.fps + " fps" : "";
    if (!vcamOn) { $("vcam-frame").hidden = true; $("vcam-off").hidden = false; }
  }

  function pollVcam() {
    if (vcamOn && !vcamLoading && !document.hidden) {
      vcamLoading = true;
      const img = new Image();
      img.onload = () => {
        vcamLoading = false;
        const shown = $("vcam-frame");
        shown.src = img.src;
        shown.hidden = false;
        $("vcam-off").hidden = true;
      };
      img.onerror = () => { vcamLoading = false; };
      img.src = "vcam.jpg?token=" + encodeURIComponent(token) + "&n=" + Date.now();
    }
    setTimeout(pollVcam, 200);
  }

  function vcamChange(changes) { send("set_vcam", changes); }

  function render(snap) {
    last = snap;
    updates += 1;
    hzCount += 1;
    document.body.dataset.updates = String(updates);
    const now = performance.now();
    if (now - hzSince >= 1000) {
      $("view-hz").textContent = (hzCount * 1000 / (now - hzSince)).toFixed(0);
      hzCount = 0;
      hzSince = now;
    }
    const state = $("state");
    state.textContent = snap.state.replace("_", " ");
    state.dataset.state = snap.state;
    $("message").textContent = snap.message || "";
    $("fps").textContent = fmt(snap.fps, 1);
    $("source").textContent = snap.source || "–";
    $("calibrated").textContent = snap.calibrated ? "calibrated ✓" : "not calibrated";
    $("profile-name").textContent = snap.profile ? "(" + snap.profile + ")" : "";
    const paused = snap.state === "paused";
    const pause = $("pause");
    pause.textContent = paused ? "Resume" : "Pause";
    pause.dataset.action = paused ? "resume" : "pause";
    numbers($("head"), snap.head, 1);
    numbers($("stages"), snap.stages_ms, 1);
    bars($("blendshapes"), snap.blendshapes, false);
    bars($("values"), snap.values, true);
    renderOutputs(snap.outputs);
    renderProfiles(snap);
    const viewSelect = $("avatar-view");
    if (snap.view && document.activeElement !== viewSelect) viewSelect.value = snap.view;
    renderVcam(snap);
    $("latency").textContent = fmt(snap.latency_ms, 1);
    $("dropped").textContent = String(snap.source_dropped || 0);
    drawLandmarks();
    window.dispatchEvent(new CustomEvent("vtbridge:snapshot", { detail: snap }));  // extra panels (voice.js)
  }

  window.vtbridge = { send: send, bars: bars, fmt: fmt };
  $("pause").addEventListener("click", () => send($("pause").dataset.action || "pause"));
  $("calibrate").addEventListener("click", () => send("calibrate"));
  $("profile").addEventListener("change", () => send("set_profile", $("profile").value));
  $("avatar-view").addEventListener("change", () => send("set_view", $("avatar-view").value));
  $("vcam-blur").addEventListener("change", () => vcamChange({ blur: Number($("vcam-blur").value) }));
  $("vcam-touch_up").addEventListener("change", () => vcamChange({ touch_up: Number($("vcam-touch_up").value) }));
  $("vcam-frame-auto").addEventListener("change",
    () => vcamChange({ frame: $("vcam-frame-auto").checked ? "auto" : "off" }));
  $("vcam-light-auto").addEventListener("change",
    () => vcamChange({ light: $("vcam-light-auto").checked ? "auto" : "off" }));
  $("vcam-mirror").addEventListener("change", () => vcamChange({ mirror: $("vcam-mirror").checked }));
  $("vcam-flip").addEventListener("change", () => vcamChange({ flip: $("vcam-flip").checked }));
  $("vcam-size").addEventListener("change", () => vcamChange({ size: $("vcam-size").value }));
  $("vcam-mode").addEventListener("change", () => vcamChange({ mode: $("vcam-mode").value }));
  $("vcam-portrait-set").addEventListener("click",
    () => vcamChange({ portrait: $("vcam-portrait").value.trim(), mode: "reenact" }));
  $("vcam-style-set").addEventListener("click",
    () => vcamChange({ style: $("vcam-style").value.trim(), style_region: $("vcam-style_region").value,
                       mode: "stylize" }));
  $("vcam-character-set").addEventListener("click",
    () => vcamChange({ character: $("vcam-character").value.trim(), mode: "anime" }));
  $("vcam-background-set").addEventListener("click",
    () => vcamChange({ background: $("vcam-background").value.trim() }));
  window.addEventListener("resize", drawLandmarks);
  pollVcam();
  connect();
})();
