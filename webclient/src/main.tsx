import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./ui/App";
import { DesktopCapturePicker } from "./ui/ScreenPicker";
import "./styles.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
    {/* Opens only in the desktop app, when a screen share asks it to choose. */}
    <DesktopCapturePicker />
  </StrictMode>,
);
