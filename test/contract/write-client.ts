import { generateClient } from './generate-client.ts';

// `npm run openapi:client`: the client generated from the committed openapi.json, into
// generated/ (ignored by git). Needs neither Redis nor a service.

await generateClient();
