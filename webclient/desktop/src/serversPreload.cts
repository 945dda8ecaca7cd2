// The servers page's preload: list, add, remove and open servers. Nothing else.
import { contextBridge, ipcRenderer } from "electron";

contextBridge.exposeInMainWorld("peershareServers", {
  list: () => ipcRenderer.invoke("servers:list"),
  add: (url: string, name: string) => ipcRenderer.invoke("servers:add", String(url), String(name)),
  remove: (origin: string) => ipcRenderer.invoke("servers:remove", String(origin)),
  open: (origin: string) => ipcRenderer.invoke("servers:open", String(origin)),
});
