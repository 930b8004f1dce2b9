// The gate screen: follows the service's server-sent events. A verdict is taken down after its
// hold time here too, and silence longer than three heartbeats shows "out of service", so the
// page never keeps "granted" up when the service is gone. While the gate refuses every visit or starts
// none (evacuation, lock-down, clock fault) the service sends a notice, shown instead of the invitation.
"use strict";
const settings = JSON.parse(document.getElementById("settings").textContent);
const label = (text) => settings.labels[text] || text;
const $ = (id) => document.getElementById(id);
const body = document.body;
let verdictTimer = null;
let silenceTimer = null;
let previewRunning = false;

function show(id, visible) { $(id).hidden = !visible; }

function outOfService() {
  body.dataset.gate = "offline";
  clearVerdict();
  clearNotice();
  $("oos-title").textContent = label("Out of service");
  $("oos-sentence").textContent = label("The gate is not running. Please ask a member of staff.");
  show("out-of-service", true);
  show("prompt", false);
  show("preview", false);
}

function heard() {
  clearTimeout(silenceTimer);
  silenceTimer = setTimeout(outOfService, settings.heartbeat_ms * 3);
}

function clearVerdict() {
  clearTimeout(verdictTimer);
  delete body.dataset.verdict;
  show("verdict", false);
}

function clearNotice() {
  delete body.dataset.notice;
  show("notice", false);
}

// Between verdicts: the notice when there is one, else the step with the camera preview.
function showIdle(view) {
  const notice = view.notice;
  if (notice) {
    body.dataset.notice = notice.kind;
    $("notice-title").textContent = notice.title;
    $("notice-sentence").textContent = notice.sentence;
    show("notice-sentence", notice.sentence !== "");
    show("notice", true);
  } else {
    clearNotice();
  }
  show("prompt", !notice);
  show("preview", !notice && view.camera !== "absent");
}

function render(view) {
  body.dataset.gate = view.gate;
  if (view.gate !== "serving") { outOfService(); body.dataset.gate = view.gate; return; }
  show("out-of-service", false);
  body.dataset.step = view.step;
  $("step").textContent = view.step_label;
  $("message").textContent = view.message;
  show("camera-down", view.camera === "down");
  $("camera-down").textContent = label("Camera unavailable");
  if (view.camera === "up") startPreview();
  if (view.verdict) {
    const v = view.verdict;
    body.dataset.verdict = v.verdict;
    $("verdict-word").textContent = label(v.verdict === "granted" ? "Granted" : "Denied");
    $("verdict-sentence").textContent = v.sentence;
    const temperature = v.temperature_c === null ? "" : `${label("Temperature")}: ${v.temperature_c.toFixed(1)} °C`;
    $("verdict-temperature").textContent = temperature;
    show("verdict-temperature", temperature !== "");
    clearNotice();
    show("verdict", true);
    show("prompt", false);
    show("preview", false);
    clearTimeout(verdictTimer);
    verdictTimer = setTimeout(() => { clearVerdict(); showIdle(view); }, v.hold_ms);
  } else {
    clearVerdict();
    showIdle(view);
  }
}

function startPreview() {
  if (previewRunning) return;
  previewRunning = true;
  const img = $("camera");
  const next = () => setTimeout(() => { img.src = "/preview.jpg?t=" + Date.now(); }, settings.preview_interval_ms);
  img.onload = next;
  img.onerror = next;
  img.src = "/preview.jpg?t=" + Date.now();
}

function connect() {
  const events = new EventSource("/events");
  events.addEventListener("view", (e) => { heard(); render(JSON.parse(e.data)); });
  events.addEventListener("heartbeat", (e) => {
    heard();
    const gate = JSON.parse(e.data).gate;
    if (gate !== "serving") { outOfService(); body.dataset.gate = gate; }
  });
  events.onerror = () => { if (events.readyState === EventSource.CLOSED) outOfService(); };
}

outOfService();
body.dataset.gate = "starting";
heard();
connect();
