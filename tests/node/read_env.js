// Reads each .env file named on the command line as the application does:
// dotenv's config() into process.env, with each pinned major version (18
// also with its `fast` parser); before each file, process.env is put back to
// what this process started with (the caller gives it only PATH). Prints one
// JSON object: {reader: [{variables: {...}, url: {...} | null}, ...]}, one
// entry per file; variables: those the file set. url: the DATABASE_URL's
// user, password and database as Sequelize 6 takes them from the URL
// (url.parse, its auth split at the first colon) and as node-postgres does
// (WHATWG URL, decodeURIComponent).
'use strict'
const url = require('url')

const READERS = {
  'dotenv@16': [require('dotenv16'), {}],
  'dotenv@17': [require('dotenv17'), {}],
  'dotenv@18': [require('dotenv18'), {}],
  'dotenv@18 fast': [require('dotenv18'), { fast: true }]
}

function urlParts (text) {
  if (typeof text !== 'string' || !/^postgres(ql)?:\/\//.test(text)) return null
  const legacy = url.parse(text)
  if (!legacy.auth) return null
  const colon = legacy.auth.indexOf(':')
  const whatwg = new URL(text)
  return {
    sequelize: { user: legacy.auth.slice(0, colon), password: legacy.auth.slice(colon + 1), database: legacy.pathname.slice(1) },
    pg: { user: decodeURIComponent(whatwg.username), password: decodeURIComponent(whatwg.password), database: decodeURIComponent(whatwg.pathname.slice(1)) }
  }
}

const started = new Set(Object.keys(process.env))
const out = {}
for (const [name, [dotenv, options]] of Object.entries(READERS)) {
  out[name] = process.argv.slice(2).map((path) => {
    for (const key of Object.keys(process.env)) if (!started.has(key)) delete process.env[key]
    const result = dotenv.config({ path, quiet: true, ...options })
    if (result.error) throw result.error
    const variables = {}
    for (const key of Object.keys(process.env)) if (!started.has(key)) variables[key] = process.env[key]
    return { variables, url: urlParts(variables.DATABASE_URL) }
  })
}
process.stdout.write(JSON.stringify(out) + '\n')
