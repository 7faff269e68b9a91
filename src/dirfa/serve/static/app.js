// dirfa's page: portrait upload with the face outlined, speech by text / file / microphone, render with
// live progress (Server-Sent Events read with fetch, so the token header can be sent), past videos, and a
// live WebRTC session. Plain ES module, no dependencies.

const $ = (id) => document.getElementById(id);
const state = { avatar: null, recording: null, recorder: null, live: null };

// ---- API calls (with the token when the server wants one)

function token() {
  return sessionStorage.getItem("dirfa-token") || "";
}

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  if (token()) headers.set("Authorization", `Bearer ${token()}`);
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) {
    $("auth").hidden = false;
    $("token").focus();
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).error || message;
    } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return response;
}

function say(element, text, kind = "") {
  element.textContent = text;
  element.className = kind;
}

$("auth-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("dirfa-token", $("token").value.trim());
  $("auth").hidden = true;
  loadVoices();
  loadPast();
});

// ---- 1. portrait

async function usePhoto(file) {
  if (!file) return;
  const image = $("portrait");
  image.src = URL.createObjectURL(file);
  $("figure").hidden = false;
  $("facebox").hidden = true;
  state.avatar = null;
  say($("photo-status"), "Finding the face…");
  const form = new FormData();
  form.append("photo", file, "photo");
  try {
    const avatar = await (await api("/v1/avatars", { method: "POST", body: form })).json();
    state.avatar = avatar;
    const [x0, y0, x1, y1] = avatar.face_box;
    const box = $("facebox");
    // Percentages of the photo's own size: right at any displayed size.
    box.style.left = `${(100 * x0) / avatar.width_px}%`;
    box.style.top = `${(100 * y0) / avatar.height_px}%`;
    box.style.width = `${(100 * (x1 - x0)) / avatar.width_px}%`;
    box.style.height = `${(100 * (y1 - y0)) / avatar.height_px}%`;
    box.hidden = false;
    const others = avatar.n_faces > 1 ? ` (${avatar.n_faces} faces; the largest is used)` : "";
    say($("photo-status"), `Face found${others}.`, "ok");
  } catch (error) {
    say($("photo-status"), error.message, "error");
  }
}

$("photo").addEventListener("change", () => usePhoto($("photo").files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  usePhoto(event.dataTransfer.files[0]);
});

// ---- 2. speech

function source() {
  return document.querySelector('input[name="source"]:checked').value;
}

for (const radio of document.querySelectorAll('input[name="source"]')) {
  radio.addEventListener("change", () => {
    for (const name of ["text", "file", "mic"]) $(`pane-${name}`).hidden = name !== source();
  });
}

async function loadVoices() {
  try {
    const voices = await (await api("/v1/voices")).json();
    const select = $("voice");
    select.length = 1;
    for (const voice of voices) {
      const option = document.createElement("option");
      option.value = voice.name;
      option.textContent = `${voice.name} — ${voice.language}, ${voice.sex} (${voice.engine})`;
      select.append(option);
    }
    if (!voices.length) select.options[0].textContent = "No voices installed: upload or record";
  } catch (_) { /* shown when rendering */ }
}

$("rec-start").addEventListener("click", async () => {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const chunks = [];
    const recorder = new MediaRecorder(stream);
    recorder.ondataavailable = (event) => chunks.push(event.data);
    recorder.onstop = () => {
      stream.getTracks().forEach((track) => track.stop());
      state.recording = new Blob(chunks, { type: recorder.mimeType });
      $("rec-audio").src = URL.createObjectURL(state.recording);
      $("rec-audio").hidden = false;
      say($("rec-status"), "Recorded. Render when ready.", "ok");
    };
    recorder.start();
    state.recorder = recorder;
    $("rec-start").disabled = true;
    $("rec-stop").disabled = false;
    $("rec-stop").focus();
    say($("rec-status"), "Recording… press Stop when done.");
  } catch (error) {
    say($("rec-status"), `The microphone is not available: ${error.message}`, "error");
  }
});

$("rec-stop").addEventListener("click", () => {
  state.recorder?.stop();
  $("rec-start").disabled = false;
  $("rec-stop").disabled = true;
  $("rec-start").focus();
});

// ---- 3. render

$("intensity").addEventListener("input", () => { $("intensity-out").value = $("intensity").value; });
$("motion").addEventListener("input", () => { $("motion-out").value = $("motion").value; });

function videoForm() {
  const form = new FormData();
  form.append("avatar_id", state.avatar.id);
  const kind = source();
  if (kind === "text") {
    const text = $("text").value.trim();
    if (!text) throw new Error("Type what the portrait should say.");
    form.append("text", text);
    if ($("voice").value) form.append("voice", $("voice").value);
  } else if (kind === "file") {
    const file = $("audio").files[0];
    if (!file) throw new Error("Choose a speech recording.");
    form.append("audio", file, "speech");
    if ($("transcript").value.trim()) form.append("text", $("transcript").value.trim());
  } else {
    if (!state.recording) throw new Error("Record something first.");
    form.append("audio", state.recording, "recording");
  }
  const timeline = $("timeline").value.trim();
  if (timeline) form.append("expressions", timeline);
  else if ($("emotion").value === "auto") form.append("emotion", "auto");
  else if ($("emotion").value) form.append("emotion", `${$("emotion").value}:${$("intensity").value}`);
  form.append("head_motion", $("motion").value);
  // No take given: the server derives one from the photo and the speech (each clip its own).
  const seed = parseInt($("seed").value, 10);
  if (Number.isFinite(seed) && seed >= 0) form.append("seed", String(seed));
  form.append("size", $("size").value);
  return form;
}

async function* serverEvents(path) {
  // EventSource cannot send an Authorization header; fetch's body stream can.
  const response = await api(path);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = { name: "message", data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event.name = line.slice(7);
        else if (line.startsWith("data: ")) event.data += line.slice(6);
      }
      if (event.data) yield { name: event.name, job: JSON.parse(event.data) };
    }
  }
}

async function videoSource(job) {
  // Without a token the player streams with range requests; with one, the file is fetched with it.
  if (!token()) return job.file_url;
  return URL.createObjectURL(await (await api(job.file_url)).blob());
}

async function showVideo(job) {
  const video = $("video");
  video.src = await videoSource(job);
  $("download").href = video.src;
  $("download").download = `dirfa-${job.id.slice(0, 8)}.mp4`;
  $("result").hidden = false;
}

$("render").addEventListener("click", async () => {
  const status = $("render-status");
  const progress = $("progress");
  if (!state.avatar) {
    say(status, "Choose a portrait with a face first.", "error");
    $("photo").focus();
    return;
  }
  let form;
  try {
    form = videoForm();
  } catch (error) {
    say(status, error.message, "error");
    return;
  }
  $("render").disabled = true;
  progress.hidden = false;
  progress.value = 0;
  say(status, "Sending…");
  try {
    const job = await (await api("/v1/videos", { method: "POST", body: form })).json();
    let last = job;
    for await (const event of serverEvents(job.events_url)) {
      last = event.job;
      progress.value = last.progress || 0;
      say(status, last.state === "queued" ? "Waiting for a free worker…" : `Rendering… ${Math.round(100 * progress.value)}%`);
    }
    if (last.state !== "done") throw new Error(last.error || "the render failed");
    await showVideo(last);
    say(status, `Done: ${last.duration_s.toFixed(1)} s of video.`, "ok");
    loadPast();
  } catch (error) {
    say(status, error.message, "error");
  } finally {
    $("render").disabled = false;
    progress.hidden = true;
  }
});

// ---- past videos

function describe(job) {
  const o = job.options;
  const speech = o.text && !o.voice ? `“${o.text.slice(0, 40)}”` : o.voice ? `voice ${o.voice}` : "recording";
  const mood = o.expressions || o.emotion || "neutral";
  const when = new Date(job.created_s * 1000).toLocaleString();
  return `${when} · ${speech} · ${mood} · motion ${o.head_motion} · ${o.seed == null ? "own take" : `seed ${o.seed}`} · ${o.size} px`;
}

async function loadPast() {
  let jobs;
  try {
    jobs = await (await api("/v1/videos?limit=20")).json();
  } catch (_) {
    return;
  }
  const list = $("past");
  list.replaceChildren();
  if (!jobs.length) {
    const item = document.createElement("li");
    item.textContent = "No videos yet.";
    list.append(item);
  }
  for (const job of jobs) {
    const item = document.createElement("li");
    const settings = document.createElement("span");
    settings.className = "settings";
    settings.textContent = describe(job);
    item.append(settings);
    if (job.state === "done") {
      const play = document.createElement("button");
      play.type = "button";
      play.textContent = "Play";
      play.setAttribute("aria-label", `Play the video of ${describe(job)}`);
      play.addEventListener("click", async () => {
        await showVideo(job);
        $("video").focus();
        $("video").play();
      });
      item.append(play);
    } else {
      const badge = document.createElement("span");
      badge.textContent = job.state === "failed" ? `failed: ${job.error}` : job.state;
      if (job.state === "failed") badge.className = "error";
      item.append(badge);
    }
    list.append(item);
  }
}

// ---- live

function iceGathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (pc.iceGatheringState === "complete") {
        pc.removeEventListener("icegatheringstatechange", check);
        resolve();
      }
    };
    pc.addEventListener("icegatheringstatechange", check);
    setTimeout(resolve, 3000); // host candidates suffice on this machine or LAN
  });
}

function countFrames(video) {
  video.dataset.frames = "0";
  const tick = () => {
    video.dataset.frames = String(Number(video.dataset.frames) + 1);
    if (state.live) video.requestVideoFrameCallback(tick);
  };
  video.requestVideoFrameCallback(tick);
}

$("live-start").addEventListener("click", async () => {
  const status = $("live-status");
  if (!state.avatar) {
    say(status, "Choose a portrait with a face first.", "error");
    return;
  }
  $("live-start").disabled = true;
  say(status, "Connecting…");
  const pc = new RTCPeerConnection();
  try {
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    const stream = new MediaStream();
    pc.addEventListener("track", (event) => {
      stream.addTrack(event.track);
      $("live-video").srcObject = stream;
    });
    await pc.setLocalDescription(await pc.createOffer());
    await iceGathered(pc);
    const body = JSON.stringify({
      sdp: pc.localDescription.sdp,
      type: pc.localDescription.type,
      avatar_id: state.avatar.id,
      size: 256,
      ...(liveEmotion() ? { emotion: liveEmotion() } : {}),
      ...($("voice").value ? { voice: $("voice").value } : {}),
    });
    const answer = await (await api("/v1/live", {
      method: "POST", body, headers: { "Content-Type": "application/json" },
    })).json();
    state.live = { pc, id: answer.id };
    await pc.setRemoteDescription({ sdp: answer.sdp, type: answer.type });
    $("live-video").hidden = false;
    $("live-form").hidden = false;
    $("live-stop").disabled = false;
    countFrames($("live-video"));
    say(status, "Live. Type a line and press Enter.", "ok");
    $("live-text").focus();
  } catch (error) {
    pc.close();
    $("live-start").disabled = false;
    say(status, error.message, "error");
  }
});

$("live-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("live-text").value.trim();
  if (!text || !state.live) return;
  try {
    await api(`/v1/live/${state.live.id}/say`, {
      method: "POST", body: JSON.stringify({ text }), headers: { "Content-Type": "application/json" },
    });
    $("live-text").value = "";
  } catch (error) {
    say($("live-status"), error.message, "error");
  }
});

$("live-interrupt").addEventListener("click", async () => {
  if (state.live) await api(`/v1/live/${state.live.id}/interrupt`, { method: "POST" }).catch(() => {});
});

async function endLive() {
  const live = state.live;
  state.live = null;
  if (!live) return;
  live.pc.close();
  await api(`/v1/live/${live.id}`, { method: "DELETE" }).catch(() => {});
  $("live-video").hidden = true;
  $("live-form").hidden = true;
  $("live-stop").disabled = true;
  $("live-start").disabled = false;
  say($("live-status"), "Live session ended.");
}

function liveEmotion() {
  // The emotion chosen above (a timeline is for videos; "from the voice" needs a recording).
  const emotion = $("emotion").value;
  return emotion && emotion !== "auto" ? `${emotion}:${$("intensity").value}` : "";
}

for (const id of ["emotion", "intensity"]) {
  $(id).addEventListener("change", () => {
    if (!state.live) return;
    api(`/v1/live/${state.live.id}/emotion`, {
      method: "POST",
      body: JSON.stringify({ emotion: liveEmotion() || "neutral" }),
      headers: { "Content-Type": "application/json" },
    }).catch((error) => say($("live-status"), error.message, "error"));
  });
}

$("live-stop").addEventListener("click", endLive);
window.addEventListener("pagehide", endLive);

loadVoices();
loadPast();
