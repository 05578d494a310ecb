// Preloaded with `node -r ./endpoint.js`: points the v2 SDK at authport's Cognito API, so that the
// tutorial's code (tutorial.js) runs exactly as written. (The v2 SDK does not read
// AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER; the v3 SDK would.)
const AWS = require('aws-sdk')
AWS.config.update({ endpoint: process.env.AUTHPORT_COGNITO_ENDPOINT })
