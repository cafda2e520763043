// The failure converter of every duban client and worker: a failure's message and stack trace go into an encoded
// payload, which the payload codec (src/codec.ts) then encrypts. Only the failure's type stays in the clear.
//
// Keep this file free of type annotations and Node built-ins: the SDK require()s it by path in plain Node (also
// under Vitest, where no TypeScript loader is registered) and bundles it into the workflow sandbox.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
