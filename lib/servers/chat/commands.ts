/**
 * Parses what a chat client typed into a command. Pure: no I/O.
 *
 * @module
 */

/** One typed line, understood. */
export type ChatCommand =
  | { kind: "say"; text: string }
  | { kind: "me"; text: string }
  | { kind: "nick"; nick: string }
  | { kind: "join"; room: string }
  | { kind: "msg"; nick: string; text: string }
  | { kind: "who" }
  | { kind: "rooms" }
  | { kind: "help" }
  | { kind: "quit"; reason: string }
  | { kind: "empty" }
  | { kind: "error"; message: string };

/** The commands, as `/help` lists them. */
export const CHAT_HELP: readonly string[] = [
  "/nick NAME        choose your nickname",
  "/join #ROOM       move to another room (created on first join)",
  "/who              list the people in your room",
  "/rooms            list the rooms",
  "/msg NICK TEXT    private message",
  "/me TEXT          action, shown as * you TEXT",
  "/quit [REASON]    leave",
  "//text            a message that starts with /",
];

const NICK_RE = /^[\p{L}\p{N}_\-\[\]\\^{}|`]+$/u;
const ROOM_RE = /^#[\p{L}\p{N}_\-.]{1,32}$/u;
// the scripts whose letters pass for one another (Latin "a", Cyrillic "а", Greek "α")
const LOOKALIKE_SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u];

/**
 * True when `name` could pass for another name: a compatibility form that NFKC folds
 * (fullwidth `ａ`, `①`, ligatures), or letters mixing Latin, Cyrillic and Greek (`pаypal`
 * with a Cyrillic `а`).
 */
function deceptive(name: string): boolean {
  if (name.normalize("NFKC") !== name) return true;
  return LOOKALIKE_SCRIPTS.filter((re) => re.test(name)).length > 1;
}

/** Whether `nick` is an acceptable nickname of at most `max` characters. */
export function validNick(nick: string, max = 32): boolean {
  return [...nick].length <= max && NICK_RE.test(nick) && !deceptive(nick);
}

// Cyrillic and Greek letters drawn like Latin ones (lower case), folded to them
const LOOKALIKE_FROM = [..."авеёкмнорстухѕіїјԁһӏαβεηικνορτυχω"];
const LOOKALIKE_TO = "abeekmhopctyxslljdhlabenlkvoptuxw";
const LOOKALIKES = new Map(LOOKALIKE_FROM.map((c, i) => [c, LOOKALIKE_TO[i]!]));

/**
 * The key two nicknames are compared by: without case, with look-alikes folded (`0` as
 * `o`; `1`, `i`, `l` and `|` as `l`; a Cyrillic or Greek letter as the Latin one it is
 * drawn like), so `Bob`, `B0b` and `bob` are one nickname, and `admin` cannot be
 * impersonated by `admln`, `adm1n` or an all-Cyrillic `аdmіn`.
 */
export function nickKey(nick: string): string {
  let key = "";
  for (const ch of nick.toLowerCase()) key += LOOKALIKES.get(ch) ?? ch;
  return key.replace(/0/g, "o").replace(/[1il|]/g, "l");
}

/** Whether `room` is an acceptable room name like `#lobby`. */
export function validRoom(room: string): boolean {
  return ROOM_RE.test(room) && !deceptive(room);
}

/**
 * Parses one line of client input.
 *
 * @param line The decoded line, without its ending.
 * @param maxNick The longest nickname allowed.
 * @returns The command; `error` carries a message for the client.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseChatLine } from "./commands.ts";
 * assertEquals(parseChatLine("/msg bob hi there"), { kind: "msg", nick: "bob", text: "hi there" });
 * ```
 */
export function parseChatLine(line: string, maxNick = 32): ChatCommand {
  if (line.trim() === "") return { kind: "empty" };
  if (!line.startsWith("/")) return { kind: "say", text: line };
  if (line.startsWith("//")) return { kind: "say", text: line.slice(1) };
  const m = /^\/(\S+)\s*(.*)$/s.exec(line)!;
  const name = m[1]!.toLowerCase();
  const rest = m[2]!.trim();
  switch (name) {
    case "nick": {
      if (!rest) return { kind: "error", message: "usage: /nick NAME" };
      if (!validNick(rest, maxNick)) {
        return {
          kind: "error",
          message:
            `"${rest}" is not a valid nickname (letters of one script, digits, _-[]\\^{}|\`, at most ${maxNick})`,
        };
      }
      return { kind: "nick", nick: rest };
    }
    case "join": {
      const room = rest.startsWith("#") ? rest : `#${rest}`;
      if (!rest) return { kind: "error", message: "usage: /join #ROOM" };
      if (!validRoom(room)) {
        return {
          kind: "error",
          message:
            `"${rest}" is not a valid room name (letters of one script, digits, _-., like #lobby)`,
        };
      }
      return { kind: "join", room };
    }
    case "msg":
    case "m":
    case "tell": {
      const mm = /^(\S+)\s+(.+)$/s.exec(rest);
      if (!mm) return { kind: "error", message: "usage: /msg NICK TEXT" };
      return { kind: "msg", nick: mm[1]!, text: mm[2]! };
    }
    case "me":
      if (!rest) return { kind: "error", message: "usage: /me TEXT" };
      return { kind: "me", text: rest };
    case "who":
    case "names":
      return { kind: "who" };
    case "rooms":
    case "list":
      return { kind: "rooms" };
    case "help":
    case "?":
      return { kind: "help" };
    case "quit":
    case "exit":
    case "bye":
      return { kind: "quit", reason: rest };
    default:
      return { kind: "error", message: `unknown command /${m[1]} (try /help)` };
  }
}
