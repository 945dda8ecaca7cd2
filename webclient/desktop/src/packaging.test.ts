// The electron-builder configuration (package.json "build") agrees with the code it packages.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PROTOCOL } from "./deepLink.js";

const desktop = new URL("..", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", desktop), "utf8"));
const installedElectron = JSON.parse(readFileSync(new URL("../node_modules/electron/package.json", desktop), "utf8")).version;
const build = pkg.build;

describe("packaging configuration", () => {
  it("builds with the Electron whose types the code was checked against", () => {
    expect(build.electronVersion).toBe(installedElectron);
  });

  it("starts the compiled main process and ships both preloads, the icons and the servers page", () => {
    // tsc -p desktop writes src/X.ts to dist/desktop/src/X.js (X.cts to .cjs).
    expect(pkg.main).toBe("dist/desktop/src/main.js");
    for (const source of ["main.ts", "preload.cts", "serversPreload.cts"]) expect(existsSync(new URL(`src/${source}`, desktop)), source).toBe(true);
    expect(build.files).toEqual(expect.arrayContaining(["dist/desktop/src/**/*.js", "dist/desktop/src/**/*.cjs", "assets/*.png", "static/**"]));
    for (const icon of ["icon.png", "tray-idle.png", "tray-live.png", "tray-muted.png", "badge.png"]) {
      expect(existsSync(new URL(`assets/${icon}`, desktop)), icon).toBe(true);
    }
    expect(existsSync(new URL("static/servers.html", desktop))).toBe(true);
  });

  it("packages Linux (AppImage, deb), Windows (nsis) and macOS (dmg)", () => {
    expect(build.linux.target).toEqual(["AppImage", "deb"]);
    expect(build.win.target).toEqual(["nsis"]);
    expect(build.mac.target).toEqual(["dmg"]);
  });

  it("registers the peershare:// scheme on every platform", () => {
    expect(build.protocols).toEqual([{ name: expect.any(String), schemes: [PROTOCOL] }]);
    expect(build.linux.mimeTypes).toEqual([`x-scheme-handler/${PROTOCOL}`]);
  });

  it("turns off the Electron fuses a packaged app does not need (run as Node, inspect, NODE_OPTIONS)", () => {
    expect(build.electronFuses).toMatchObject({
      runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false,
      enableCookieEncryption: true, onlyLoadAppFromAsar: true, enableEmbeddedAsarIntegrityValidation: true,
    });
  });

  it("tells macOS why it needs the camera, microphone and screen", () => {
    for (const key of ["NSCameraUsageDescription", "NSMicrophoneUsageDescription", "NSScreenCaptureUsageDescription"]) {
      expect(build.mac.extendInfo[key], key).toMatch(/PeerShare .{10,}/);
    }
    const entitlements = readFileSync(new URL(build.mac.entitlements, desktop), "utf8");
    expect(entitlements).toContain("com.apple.security.device.camera");
    expect(entitlements).toContain("com.apple.security.device.audio-input");
  });
});
