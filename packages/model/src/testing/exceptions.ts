/**
 * How many exceptions `fn` throws, caught ones included (through the in-process inspector, which pauses
 * on every throw): the test that lenient reading handles malformed states without throw/catch.
 */
import { Session } from 'node:inspector'

export const countThrown = (fn: () => void): number => {
  const session = new Session()
  session.connect()
  let thrown = 0
  session.on('Debugger.paused', (message) => {
    if (message.params.reason === 'exception') thrown++
    session.post('Debugger.resume')
  })
  session.post('Debugger.enable')
  session.post('Debugger.setPauseOnExceptions', { state: 'all' })
  try {
    fn()
  } finally {
    session.post('Debugger.setPauseOnExceptions', { state: 'none' })
    session.post('Debugger.disable')
    session.disconnect()
  }
  return thrown
}
