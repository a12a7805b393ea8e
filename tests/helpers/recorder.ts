/**
 * `wireplay record` as a subprocess, between a test's client and a TCP upstream.
 *
 * @module
 */
import { type CliProcess, startCli } from "../proxy/_helpers.ts";
import { freeTcpPort } from "./ports.ts";

/** A running `wireplay record`: the process and the loopback port it listens on. */
export interface Recorder {
  recorder: CliProcess;
  port: number;
}

/**
 * Starts `wireplay record` on a free 127.0.0.1 port toward the TCP server at
 * `upstreamPort`, writing the recording to `file`; returns once it prints `recording`.
 * Stop it with `recorder.stop("SIGINT")` to have the file written.
 */
export async function startRecorder(upstreamPort: number, file: string): Promise<Recorder> {
  const port = freeTcpPort();
  const recorder = startCli([
    "record",
    "--listen",
    `tcp://127.0.0.1:${port}`,
    "--upstream",
    `tcp://127.0.0.1:${upstreamPort}`,
    "--out",
    file,
  ]);
  await recorder.waitFor(/^recording /m);
  return { recorder, port };
}
