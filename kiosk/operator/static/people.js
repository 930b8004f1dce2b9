// The People page: the gate camera's live preview with the enrolment checks, refreshed twice a second.
"use strict";

const CHECK_INTERVAL_MS = 500;
const $ = (id) => document.getElementById(id);

function showProblems(check) {
  const list = $("camera-problems");
  list.replaceChildren();
  const lines = check.ready ? ["Ready: one face, every check passed."] : check.problems;
  for (const line of lines) {
    const item = document.createElement("li");
    item.textContent = line;
    item.className = check.ready ? "ready" : "problem";
    list.appendChild(item);
  }
  list.dataset.ready = check.ready ? "yes" : "no";
  $("capture-submit").disabled = !check.ready;
}

// Each face the check found, boxed and numbered over the preview (the preview is scaled; the boxes are in frame pixels).
function showFaces(check) {
  const layer = $("camera-faces");
  layer.replaceChildren();
  const preview = $("camera-preview");
  if (!check.faces || !check.frame_width_px || !preview.clientWidth) {
    return;
  }
  const scale = preview.clientWidth / check.frame_width_px;
  for (const face of check.faces) {
    const box = document.createElement("div");
    box.className = check.ready ? "face-box ready" : "face-box";
    box.style.left = `${face.x_px * scale}px`;
    box.style.top = `${face.y_px * scale}px`;
    box.style.width = `${face.width_px * scale}px`;
    box.style.height = `${face.height_px * scale}px`;
    box.textContent = String(face.number);
    layer.appendChild(box);
  }
}

async function checkCamera() {
  try {
    const reply = await fetch("/api/v1/camera/check", { cache: "no-store", credentials: "same-origin" });
    if (reply.status === 401) {
      showProblems({ ready: false, problems: ["You are logged out: reload the page to log in."] });
      return;
    }
    const check = await reply.json();
    showProblems(check);
    showFaces(check);
    $("camera-preview").src = "/api/v1/camera/preview.jpg?t=" + Date.now();
  } catch (error) {
    showProblems({ ready: false, problems: ["The operator page does not answer."] });
  }
  setTimeout(checkCamera, CHECK_INTERVAL_MS);
}

checkCamera();
