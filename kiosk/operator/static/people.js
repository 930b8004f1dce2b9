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

async function checkCamera() {
  try {
    const reply = await fetch("/api/v1/camera/check", { cache: "no-store", credentials: "same-origin" });
    if (reply.status === 401) {
      showProblems({ ready: false, problems: ["You are logged out: reload the page to log in."] });
      return;
    }
    showProblems(await reply.json());
    $("camera-preview").src = "/api/v1/camera/preview.jpg?t=" + Date.now();
  } catch (error) {
    showProblems({ ready: false, problems: ["The operator page does not answer."] });
  }
  setTimeout(checkCamera, CHECK_INTERVAL_MS);
}

checkCamera();
