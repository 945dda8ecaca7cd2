// Copying a text (an invite link) to the clipboard. The browser or the desktop app may refuse
// (no permission, page not focused): the user is told, and can still copy the text by hand.

export const COPY_REFUSED = "The link could not be copied here: select it and copy it yourself.";

/** Null once copied, else what to tell the user. */
export async function copyText(clipboard: { writeText(text: string): Promise<void> } | undefined, text: string): Promise<string | null> {
  if (!clipboard) return COPY_REFUSED;
  try {
    await clipboard.writeText(text);
    return null;
  } catch (error) {
    console.warn("clipboard write refused", error);
    return COPY_REFUSED;
  }
}
