// The servers page: lists the known servers (open, remove) and adds one. Talks to the main
// process only through window.peershareServers (serversPreload.cts).
"use strict";
const api = window.peershareServers;
const list = document.getElementById("servers");
const error = document.getElementById("error");

function button(label, className, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.className = className;
  b.addEventListener("click", onClick);
  return b;
}

function show({ servers, current, error: message }) {
  error.textContent = message || "";
  list.replaceChildren(...servers.map((server) => {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = `${server.name} — ${server.origin}`;
    if (server.origin === current) name.className = "current";
    item.append(name,
      button("Open", "", () => api.open(server.origin)),
      button("Remove", "secondary", async () => show(await api.remove(server.origin))));
    return item;
  }));
}

document.getElementById("add").addEventListener("submit", async (event) => {
  event.preventDefault();
  const result = await api.add(document.getElementById("url").value, document.getElementById("name").value);
  show(result);
  if (!result.error) await api.open(result.current);
});

api.list().then(show);
