// How calls encode and which simulcast layer a viewer asks for.

/** Camera simulcast: quarter, half and full resolution (of 1280×720: 320×180, 640×360, 1280×720). */
export const CAMERA_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: "r0", scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: "r1", scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: "r2", scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];
export const CAMERA_LAYER_HEIGHTS = [180, 360, 720];

/** Screens: one layer tuned for legible text, with its own bitrate cap. */
export const SCREEN_ENCODING: RTCRtpEncodingParameters = { maxBitrate: 2_500_000, maxFramerate: 30 };
export const SCREEN_CONSTRAINTS: DisplayMediaStreamOptions = {
  video: { width: { ideal: 1920, max: 1920 }, height: { ideal: 1080, max: 1080 }, frameRate: { ideal: 30, max: 30 } },
  audio: false,
};

/** The smallest layer that fills a tile `tileHeight` CSS pixels tall on this screen. */
export function pickSpatialLayer(tileHeight: number, devicePixelRatio = 1): number {
  const needed = tileHeight * devicePixelRatio;
  const layer = CAMERA_LAYER_HEIGHTS.findIndex((height) => height >= needed * 0.9);
  return layer === -1 ? CAMERA_LAYER_HEIGHTS.length - 1 : layer;
}

export type Quality = "good" | "fair" | "poor";

/** The same grading as the server's for P2P calls (control/calls/service.py p2p_quality). */
export function p2pQuality(rttMs: number, lossPct: number): Quality {
  if (rttMs < 150 && lossPct < 2) return "good";
  return rttMs < 400 && lossPct < 8 ? "fair" : "poor";
}
