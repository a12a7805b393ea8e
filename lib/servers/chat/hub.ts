/**
 * The chat room state: who is connected, their nicknames and rooms, and delivery of
 * every line to the right members' outboxes. Knows nothing about sockets: a member is
 * anything with an {@linkcode Outbox}-like `push` and a `drop`.
 *
 * @module
 */
import type { ChatCommand } from "./commands.ts";
import { CHAT_HELP, nickKey } from "./commands.ts";

/** One connected client, as the hub sees it. */
export interface ChatMember {
  /** Unique per server run. */
  readonly id: number;
  nick: string;
  room: string;
  /** Where the client came from, for the log. */
  readonly peer: string;
  /** Queues bytes for the client; `false` when its queue is full. */
  push(data: Uint8Array): boolean;
  /** Disconnects the client now (it is already out of the hub). */
  drop(reason: string): void;
  /** Set once the member has left the hub. */
  gone: boolean;
}

/** The room everyone starts in. */
export const LOBBY = "#lobby";

const enc = new TextEncoder();
const MAX_WHO_NAMES = 200;

/** Chat state and message routing. All methods are synchronous and never throw for client input. */
export class ChatHub {
  #rooms = new Map<string, Set<ChatMember>>();
  #nicks = new Map<string, ChatMember>();
  #guest = 0;
  #dropping: { member: ChatMember; reason: string }[] = [];
  #flushing = false;

  /** @param log Receives one line per join, leave, nick change and drop. */
  constructor(readonly log: (line: string) => void = () => {}) {}

  /** Number of members. */
  get size(): number {
    return this.#nicks.size;
  }

  /** The rooms and how many are in each. */
  rooms(): { room: string; members: number }[] {
    return [...this.#rooms].map(([room, set]) => ({ room, members: set.size }));
  }

  /** Finds a free guest nickname. */
  guestNick(): string {
    let nick: string;
    do nick = `guest${++this.#guest}`; while (this.#nicks.has(nickKey(nick)));
    return nick;
  }

  /** Adds a member (its `nick` must be free, e.g. from {@linkcode guestNick}) to the lobby. */
  admit(member: ChatMember, welcome: string): void {
    this.#nicks.set(nickKey(member.nick), member);
    member.room = LOBBY;
    this.#roomOf(LOBBY).add(member);
    this.#send(member, `*** ${welcome}`);
    this.#send(
      member,
      `*** you are ${member.nick} in ${LOBBY}; /nick NAME to change it, /help for commands`,
    );
    this.#toRoom(LOBBY, `*** ${member.nick} joined ${LOBBY}`, member);
    this.log(`${member.peer} connected as ${member.nick}`);
    this.#flushDrops();
  }

  /** Carries out one command from `member`. Returns `false` when the member quit. */
  handle(member: ChatMember, cmd: ChatCommand): boolean {
    if (member.gone) return false;
    switch (cmd.kind) {
      case "empty":
        break;
      case "say":
        this.#toRoom(member.room, `<${member.nick}> ${cmd.text}`, member);
        break;
      case "me":
        this.#toRoom(member.room, `* ${member.nick} ${cmd.text}`, member);
        break;
      case "nick":
        this.#rename(member, cmd.nick);
        break;
      case "join":
        this.#join(member, cmd.room);
        break;
      case "msg": {
        const to = this.#nicks.get(nickKey(cmd.nick));
        if (!to) {
          this.#send(member, `! no such nick: ${cmd.nick}`);
        } else {
          this.#send(to, `*${member.nick}* ${cmd.text}`);
          this.#send(member, `-> *${to.nick}* ${cmd.text}`);
        }
        break;
      }
      case "who": {
        const names = [...this.#roomOf(member.room)].map((m) => m.nick);
        const shown = names.slice(0, MAX_WHO_NAMES).join(", ");
        const more = names.length > MAX_WHO_NAMES
          ? ` and ${names.length - MAX_WHO_NAMES} more`
          : "";
        this.#send(member, `*** ${member.room} (${names.length}): ${shown}${more}`);
        break;
      }
      case "rooms":
        for (const { room, members } of this.rooms()) {
          this.#send(member, `*** ${room} (${members})`);
        }
        break;
      case "help":
        for (const line of CHAT_HELP) this.#send(member, `*** ${line}`);
        break;
      case "error":
        this.#send(member, `! ${cmd.message}`);
        break;
      case "quit":
        this.#send(member, "*** bye");
        this.leave(member, cmd.reason ? `quit: ${cmd.reason}` : "quit");
        this.#flushDrops();
        return false;
    }
    this.#flushDrops();
    return true;
  }

  /** Tells `member` something (an error or notice) without involving anyone else. */
  notice(member: ChatMember, text: string): void {
    this.#send(member, text);
    this.#flushDrops();
  }

  /** Removes `member` and tells its room why. Safe to call twice. */
  leave(member: ChatMember, reason: string): void {
    if (member.gone) return;
    member.gone = true;
    this.#nicks.delete(nickKey(member.nick));
    const set = this.#rooms.get(member.room);
    set?.delete(member);
    if (set && set.size === 0 && member.room !== LOBBY) this.#rooms.delete(member.room);
    this.#toRoom(member.room, `*** ${member.nick} left ${member.room} (${reason})`);
    this.log(`${member.peer} ${member.nick} left (${reason})`);
    this.#flushDrops();
  }

  /** Tells every member `text` (e.g. shutdown). */
  broadcast(text: string): void {
    const bytes = enc.encode(text + "\n");
    for (const m of this.#nicks.values()) this.#deliver(m, bytes);
    this.#flushDrops();
  }

  #rename(member: ChatMember, nick: string): void {
    if (nick === member.nick) return;
    const holder = this.#nicks.get(nickKey(nick));
    if (holder && holder !== member) {
      this.#send(
        member,
        holder.nick.toLowerCase() === nick.toLowerCase()
          ? `! nickname ${nick} is taken`
          : `! nickname ${nick} is taken (it looks like ${holder.nick})`,
      );
      return;
    }
    const old = member.nick;
    this.#nicks.delete(nickKey(old));
    member.nick = nick;
    this.#nicks.set(nickKey(nick), member);
    this.#toRoom(member.room, `*** ${old} is now known as ${nick}`);
    this.log(`${member.peer} ${old} is now ${nick}`);
  }

  #join(member: ChatMember, room: string): void {
    if (room === member.room) {
      this.#send(member, `*** you are already in ${room}`);
      return;
    }
    const old = member.room;
    const set = this.#rooms.get(old);
    set?.delete(member);
    if (set && set.size === 0 && old !== LOBBY) this.#rooms.delete(old);
    this.#toRoom(old, `*** ${member.nick} left ${old} (joined ${room})`);
    member.room = room;
    this.#roomOf(room).add(member);
    this.#toRoom(room, `*** ${member.nick} joined ${room}`);
  }

  #roomOf(room: string): Set<ChatMember> {
    let set = this.#rooms.get(room);
    if (!set) this.#rooms.set(room, set = new Set());
    return set;
  }

  #send(member: ChatMember, text: string): void {
    this.#deliver(member, enc.encode(text + "\n"));
  }

  /** Encodes once, queues to every member of `room` except `except`. */
  #toRoom(room: string, text: string, except?: ChatMember): void {
    const set = this.#rooms.get(room);
    if (!set) return;
    const bytes = enc.encode(text + "\n");
    for (const m of set) if (m !== except) this.#deliver(m, bytes);
  }

  #deliver(member: ChatMember, bytes: Uint8Array): void {
    if (member.gone) return;
    if (!member.push(bytes)) {
      member.gone = true; // no more deliveries; leave() below finishes the job
      this.#dropping.push({ member, reason: "too slow: outgoing queue full" });
    }
  }

  /** Drops members whose queues overflowed; their leave notices may overflow others, so loop. */
  #flushDrops(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#dropping.length > 0) {
        const { member, reason } = this.#dropping.shift()!;
        member.gone = false; // let leave() run its course
        member.drop(reason);
        this.leave(member, `dropped: ${reason}`);
      }
    } finally {
      this.#flushing = false;
    }
  }
}
