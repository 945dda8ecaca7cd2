import { describe, expect, it } from "vitest";
import { navigationDestination, newWindowDestination } from "./originPolicy.js";

const SERVER = "https://chat.example.org";

describe("navigation", () => {
  it("stays on the server's origin only", () => {
    expect(navigationDestination("https://chat.example.org/invite/x", SERVER)).toBe("stay");
    expect(navigationDestination("https://chat.example.org:443/", SERVER)).toBe("stay");
    for (const other of ["http://chat.example.org/", "https://chat.example.org:8443/", "https://evil.chat.example.org/", "https://chat.example.org.evil.com/"]) {
      expect(navigationDestination(other, SERVER), other).toBe("browser");
    }
  });

  it("goes nowhere for other schemes", () => {
    for (const url of ["file:///etc/passwd", "javascript:alert(1)", "data:text/html,x", "peershare://invite/x", "about:blank", "::"]) {
      expect(navigationDestination(url, SERVER), url).toBe("refuse");
    }
  });
});

describe("new windows", () => {
  it("sends web pages to the browser and refuses the rest", () => {
    expect(newWindowDestination("https://example.com/doc")).toBe("browser");
    expect(newWindowDestination("https://chat.example.org/x")).toBe("browser");
    expect(newWindowDestination("file:///etc/passwd")).toBe("refuse");
    expect(newWindowDestination("javascript:alert(1)")).toBe("refuse");
  });
});
