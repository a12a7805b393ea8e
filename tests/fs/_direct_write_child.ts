/**
 * Child of direct_write_test.ts (run with --allow-ffi): writes files of awkward sizes with
 * the direct writer into Deno.args[0] and prints, as JSON, whether each went direct.
 */
import { directWriter } from "../../lib/fs/direct_write.ts";

const dir = Deno.args[0]!;
const writer = directWriter();
if (!writer) {
  console.log(JSON.stringify({ writer: false }));
  Deno.exit(0);
}
const sizes = [1, 4095, 4096, 4097, (1 << 20) + 7];
const buf = writer.buffer(2 << 20);
for (let i = 0; i < buf.byteLength; i++) buf[i] = (i * 31 + 7) & 0xff;
const direct: boolean[] = [];
for (const size of sizes) {
  direct.push(await writer.write(`${dir}/f${size}.bin`, buf.subarray(0, size)));
}
// a view that does not start on a block: written the ordinary way by the caller, never here
const unaligned = await writer.write(`${dir}/unaligned.bin`, buf.subarray(1, 5000));
console.log(JSON.stringify({ writer: true, sizes, direct, unaligned }));
