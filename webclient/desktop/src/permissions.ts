// Which web permissions the server's page gets: the camera and microphone ("media"), screen
// capture ("display-capture") and writing to the clipboard ("clipboard-sanitized-write", the
// invite link's Copy button), from the chosen server's origin only. Everything else is refused,
// including notifications (the app shows them itself, through the bridge) and clipboard reads.

export interface PermissionAsk {
  permission: string;
  /** The requesting frame's origin (or a URL in it). */
  origin: string;
  isMainFrame: boolean;
  /** For "media": which devices; anything beyond audio and video is refused. */
  mediaTypes?: readonly string[];
}

const GRANTED = new Set(["media", "display-capture", "clipboard-sanitized-write"]);
const MEDIA_TYPES = new Set(["audio", "video"]);

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export function allowPermission(ask: PermissionAsk, serverOrigin: string | null): boolean {
  if (serverOrigin === null || !GRANTED.has(ask.permission) || !ask.isMainFrame) return false;
  if (originOf(ask.origin) !== serverOrigin) return false;
  return (ask.mediaTypes ?? []).every((type) => MEDIA_TYPES.has(type));
}
