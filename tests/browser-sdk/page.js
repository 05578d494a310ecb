// The page drives amazon-cognito-identity-js with its defaults (authenticateUser is USER_SRP_AUTH)
// against the Cognito API named in the query string (?pool=&client=&endpoint=). The library calls
// the global fetch at request time, so wrapping it here records every Cognito call it makes: the
// X-Amz-Target, the InitiateAuth's AuthFlow, the challenge answered and the response headers the
// page could read cross-origin (only those the server exposes through CORS). They are shown in
// #calls and kept in window.cognitoCalls for the test.
'use strict'

window.cognitoCalls = []
const nativeFetch = window.fetch.bind(window)
window.fetch = async (url, options = {}) => {
  const headers = options.headers || {}
  const target = String(headers['X-Amz-Target'] || '').split('.').pop()
  const body = JSON.parse(options.body || '{}')
  const call = { target, authFlow: body.AuthFlow || null, answered: body.ChallengeName || null }
  window.cognitoCalls.push(call)
  const response = await nativeFetch(url, options)
  call.status = response.status
  call.requestId = response.headers.get('x-amzn-RequestId')
  call.errorType = response.headers.get('x-amzn-ErrorType')
  const answer = await response.clone().json().catch(() => ({}))
  call.challenge = answer.ChallengeName || null
  call.challengeParameters = Object.keys(answer.ChallengeParameters || {}).sort()
  call.session = 'Session' in answer
  call.tokens = Boolean(answer.AuthenticationResult && answer.AuthenticationResult.AccessToken)
  showCalls()
  return response
}

function showCalls () {
  document.getElementById('calls').textContent = window.cognitoCalls.map((c) =>
    [c.target, c.authFlow, c.answered, '→', c.status, c.challenge, c.tokens ? 'tokens' : null, c.errorType]
      .filter((part) => part !== null && part !== undefined).join(' ')
  ).join('\n')
}

const $ = (id) => document.getElementById(id)
const value = (id) => $(id).value

function status (text, code) {
  const element = $('status')
  element.textContent = text
  if (code) element.setAttribute('data-code', code)
  else element.removeAttribute('data-code')
}

function failed (err) {
  status(`${err.code || err.name}: ${err.message}`, err.code || err.name || 'Error')
}

// Each action starts a fresh record of the calls it makes.
function action (run) {
  return () => {
    window.cognitoCalls = []
    showCalls()
    status('…')
    try { run() } catch (err) { failed(err) }
  }
}

function start () {
  const params = new URLSearchParams(location.search)
  const { CognitoUserPool, CognitoUserAttribute, CognitoUser, AuthenticationDetails } = window.AmazonCognitoIdentity
  const pool = new CognitoUserPool({
    UserPoolId: params.get('pool'), ClientId: params.get('client'), endpoint: params.get('endpoint')
  })
  $('pool').textContent = params.get('pool')
  $('client').textContent = params.get('client')
  $('endpoint').textContent = params.get('endpoint')
  $('origin').textContent = location.origin
  const user = () => new CognitoUser({ Username: value('username'), Pool: pool })

  $('signup').onclick = action(() => {
    const email = new CognitoUserAttribute({ Name: 'email', Value: value('email') })
    pool.signUp(value('username'), value('password'), [email], null, (err, result) => {
      if (err) return failed(err)
      const delivery = result.codeDeliveryDetails || {}
      status(`Signed up ${result.user.getUsername()} (confirmed: ${result.userConfirmed}); ` +
        `code sent by ${delivery.DeliveryMedium} to ${delivery.Destination}`)
    })
  })

  $('confirm').onclick = action(() => {
    user().confirmRegistration(value('code'), true, (err, result) => {
      if (err) return failed(err)
      status(`Confirmed: ${result}`)
    })
  })

  $('login').onclick = action(() => {
    $('attributes').textContent = ''
    const cognitoUser = user()
    const details = new AuthenticationDetails({ Username: value('username'), Password: value('password') })
    cognitoUser.authenticateUser(details, {
      onSuccess: () => cognitoUser.getUserAttributes((err, attributes) => {
        if (err) return failed(err)
        $('attributes').textContent = attributes.map((a) => `${a.getName()}=${a.getValue()}`).join('\n')
        status(`Logged in as ${cognitoUser.getUsername()}`)
      }),
      onFailure: failed,
      newPasswordRequired: () => status('A new password is required', 'NEW_PASSWORD_REQUIRED')
    })
  })

  $('ready').textContent = 'ready'
}
