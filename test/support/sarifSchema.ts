/** Validates a SARIF log against the official SARIF 2.1.0 JSON schema (draft-04, shipped by @microsoft/jest-sarif). */
import Ajv from 'ajv';
import * as path from 'path';

const schemaPath = path.join(path.dirname(require.resolve('@microsoft/jest-sarif/package.json')), 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const schema = require(schemaPath) as object;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const draft04 = require('ajv/lib/refs/json-schema-draft-04.json') as object;

const ajv = new Ajv({ schemaId: 'id', allErrors: true, meta: false });
ajv.addMetaSchema(draft04);
const validate = ajv.compile(schema);

/** The schema errors, as `dataPath: message` lines; empty when valid. */
export function validateSarif(log: unknown): string[] {
  if (validate(log)) return [];
  return (validate.errors ?? []).map((e) => `${e.dataPath}: ${e.message}`);
}
