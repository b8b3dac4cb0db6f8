// GovHub's connection and release notices (wrapped by govhub/components/resilience.py in place of Reflex's
// connection toast). Texts come translated from the server's catalogue, as props.
//
// - A dropped connection shows a small strip at the top ("Reconnecting…"), which lets every tap through to the
//   page below it and never covers the bottom bar; Reflex reconnects by itself. Closing the socket as soon as the
//   browser says it is offline makes the drop visible at once (an open websocket may otherwise linger, dead).
// - While the connection is down, a tap that would send something is refused plainly, not queued: Reflex keeps
//   events made offline and sends them on reconnect, long after the official moved on. Any such event still
//   queued when the connection comes back is dropped, with the same note. Not before the page's first connection
//   (a page that is starting sends its events as it connects) and not a form the browser posts itself (sign-in).
// - Every action sent carries a key of its own (router_data.govhub_once): the server applies each key once
//   (govhub/realtime/once.py), so an action sent again over a new connection is not applied twice.
// - After every reconnect the tab asks /_release which release the server runs; when it is not the one the tab
//   was loaded from, or when a piece of the page cannot be loaded any more (a new build removed it), a calm
//   banner offers to load the new version. What was typed stays in the page until the official chooses to.
import { useEffect, useRef, useState } from "react";
import { Socket } from "socket.io-client";

const ONCE_FIELD = "govhub_once";
const SHOW_AFTER_MS = 800; // a blink of a reconnect shows nothing
const REFUSED_MS = 4000;
const CHUNK_FAILED = /dynamically imported module|Importing a module script failed|error loading dynamically/i;
const ACTIONABLE = [
  "button", "a[href]", "summary", "select", "input[type=checkbox]", "input[type=radio]", "input[type=submit]",
  "input[type=button]", "input[type=file]", "[role=button]", "[role=link]", "[role=menuitem]",
  "[role=menuitemcheckbox]", "[role=menuitemradio]", "[role=option]", "[role=checkbox]", "[role=switch]",
  "[role=radio]", "[role=tab]", "[role=combobox]",
].join(", ");

// The tab's one socket as this module sees it: online is null until the first connect.
const link = { socket: null, online: null, everConnected: false, dropping: false, listeners: new Set() };
const tell = (what) => link.listeners.forEach((listener) => listener(what));

const newKey = () => {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
};

if (typeof window !== "undefined" && !Socket.prototype.govhubPatched) {
  Socket.prototype.govhubPatched = true;
  const emitReserved = Socket.prototype.emitReserved;
  Socket.prototype.emitReserved = function (name, ...args) {
    if (name === "connect") {
      const again = link.everConnected;
      Object.assign(link, { socket: this, online: true, everConnected: true });
      if (again) {
        // Reflex sends what it queued while offline right now, within this task: drop it (see emit below).
        link.dropping = true;
        setTimeout(() => { link.dropping = false; }, 0);
      }
      tell(again ? "reconnected" : "connected");
    } else if (name === "disconnect" || name === "connect_error") {
      Object.assign(link, { socket: this, online: false });
      tell("disconnected");
    }
    return emitReserved.call(this, name, ...args);
  };
  const emit = Socket.prototype.emit;
  Socket.prototype.emit = function (name, data, ...rest) {
    if (name === "event" && data && typeof data === "object") {
      // Before the first connection the page is starting: socket.io holds the event for that connection.
      if (link.everConnected && (link.dropping || !this.connected)) {
        tell("refused"); // socket.io would keep it and send it on reconnect
        return this;
      }
      if (data.router_data && typeof data.router_data === "object" && !data.router_data[ONCE_FIELD]) {
        data.router_data[ONCE_FIELD] = newKey();
      }
    }
    return emit.call(this, name, data, ...rest);
  };
  window.addEventListener("offline", () => {
    if (link.socket?.connected) link.socket.io.engine?.close();
  });
  window.addEventListener("online", () => link.socket?.reconnect?.());
  const refuse = (event) => {
    if (!link.everConnected || link.online !== false || !(event.target instanceof Element)) return;
    if (event.target.closest("[data-govhub-resilience]")) return;
    // A form the browser itself posts (signing in) goes over HTTP, not over the lost connection.
    if (event.target.closest("form[action]")) return;
    if (event.type !== "submit" && !event.target.closest(ACTIONABLE)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (event.type !== "pointerdown") tell("refused");
  };
  for (const type of ["pointerdown", "click", "submit"]) window.addEventListener(type, refuse, true);
}

// Centred at the top, below the phone's top bar (shown under 48em, as in govhub/components/shell.py), so the
// bell and the account menu stay in reach; never over the bottom bar.
const PHONE = "(max-width: 47.99em)";
const pill = () => ({
  position: "fixed", left: 0, right: 0, margin: "0 auto", width: "fit-content", maxWidth: "calc(100vw - 24px)",
  top: `calc(env(safe-area-inset-top, 0px) + ${window.matchMedia(PHONE).matches ? 64 : 8}px)`,
  zIndex: 2147483000, display: "flex", alignItems: "center", gap: "10px", padding: "6px 14px",
  borderRadius: "999px", fontSize: "14px", lineHeight: "20px", boxShadow: "0 2px 8px rgba(0, 0, 0, 0.15)",
});

export function Resilience({ reconnecting, refused, newVersion, reload }) {
  const [down, setDown] = useState(false);
  const [refusedAt, setRefusedAt] = useState(0);
  const [stale, setStale] = useState(false);
  const release = useRef(null);

  useEffect(() => {
    let timer;
    const check = () => fetch("/_release", { cache: "no-store", credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((body) => {
        if (!body?.release) return;
        if (release.current === null) release.current = body.release;
        else if (body.release !== release.current) setStale(true);
      })
      .catch(() => {});
    const listener = (what) => {
      if (what === "disconnected") {
        timer ??= setTimeout(() => setDown(true), SHOW_AFTER_MS);
      } else if (what === "refused") {
        setRefusedAt(Date.now());
      } else {
        clearTimeout(timer);
        timer = undefined;
        setDown(false);
        check();
      }
    };
    link.listeners.add(listener);
    if (link.online === false) listener("disconnected");
    check();
    const onPreloadError = (event) => {
      event.preventDefault();
      setStale(true);
    };
    const onRejection = (event) => {
      if (CHUNK_FAILED.test(String(event.reason?.message ?? event.reason))) setStale(true);
    };
    window.addEventListener("vite:preloadError", onPreloadError);
    window.addEventListener("unhandledrejection", onRejection);
    return () => {
      clearTimeout(timer);
      link.listeners.delete(listener);
      window.removeEventListener("vite:preloadError", onPreloadError);
      window.removeEventListener("unhandledrejection", onRejection);
    };
  }, []);

  const [, tick] = useState(0);
  const refusing = Date.now() - refusedAt < REFUSED_MS;
  useEffect(() => {
    if (!refusing) return undefined;
    const timer = setTimeout(() => tick((n) => n + 1), REFUSED_MS - (Date.now() - refusedAt));
    return () => clearTimeout(timer);
  }, [refusedAt, refusing]);

  if (stale) {
    return (
      <div id="new-version" role="status" data-govhub-resilience=""
           style={{ ...pill(), background: "var(--indigo-3)", color: "var(--indigo-12)",
                    border: "1px solid var(--indigo-7)" }}>
        <span>{newVersion}</span>
        <button id="new-version-reload" type="button" onClick={() => window.location.reload()}
                style={{ font: "inherit", fontWeight: 600, whiteSpace: "nowrap", padding: "4px 12px", borderRadius: "999px",
                         border: "none", background: "var(--indigo-9)", color: "white", cursor: "pointer" }}>
          {reload}
        </button>
      </div>
    );
  }
  if (!down && !refusing) return null;
  return (
    <div id="connection-strip" role="status" aria-live="polite" data-govhub-resilience=""
         data-state={refusing ? "refused" : "reconnecting"}
         style={{ ...pill(), pointerEvents: "none", background: "var(--gray-12)", color: "var(--gray-1)" }}>
      {refusing ? refused : reconnecting}
    </div>
  );
}
