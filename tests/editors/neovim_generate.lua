-- A real Neovim session against `prisma-down lsp`, run by tests/editors/test_neovim.py:
--   nvim --headless -u NONE -i NONE -n -l tests/editors/neovim_generate.lua
-- It loads the documented configuration (docs/neovim/prisma-down.lua) as a user would, only
-- pointing `cmd` at the Python under test, opens one migration.sql, waits for the
-- missing-down-sql diagnostic, applies the "Generate down.sql" code action through
-- vim.lsp.buf.code_action (or the documented <leader>cd key), saves the new down.sql buffer
-- and waits for the warning to go. Exit code 0 on success, 1 with the reason on stderr.
--
-- Environment: PRISMA_DOWN_CONFIG (the lua file), PRISMA_DOWN_LSP_CMD (JSON list),
-- PRISMA_DOWN_MIGRATION (the migration.sql to open), PRISMA_DOWN_VIA (quickfix: the quick
-- fix; keymap: <leader>cd; lens: <leader>cl on the Generate lens; clean: no generation, only
-- check that each diagnostic shows once and the server logs no warning),
-- PRISMA_DOWN_TIMEOUT_MS (optional).

local TIMEOUT = tonumber(os.getenv('PRISMA_DOWN_TIMEOUT_MS') or '') or 15000
local started = vim.uv.hrtime()

local function log(fmt, ...)
  local ms = (vim.uv.hrtime() - started) / 1e6
  io.stderr:write(string.format('[nvim %6.0f ms] ' .. fmt, ms, ...) .. '\n')
end

local function env(name)
  local value = os.getenv(name)
  assert(value and value ~= '', 'missing environment variable ' .. name)
  return value
end

local function finish(code)
  -- Stop the clients first: a client left running keeps the server (and Neovim's file
  -- watcher child) alive after we exit.
  local clients = vim.lsp.get_clients()
  for _, client in ipairs(clients) do
    client:stop()
  end
  if not vim.wait(3000, function()
    return #vim.lsp.get_clients() == 0
  end, 20) then
    for _, client in ipairs(vim.lsp.get_clients()) do
      client:stop(true)
    end
    vim.wait(1000, function()
      return #vim.lsp.get_clients() == 0
    end, 20)
  end
  io.stderr:flush()
  os.exit(code)
end

local function fail(fmt, ...)
  log('FAIL: ' .. fmt, ...)
  finish(1)
end

local function codes(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    -- Neovim keeps pushed and pulled diagnostics in separate namespaces: name them.
    local ns = vim.diagnostic.get_namespace(d.namespace).name
    local how = ns:match('%.prisma%-down$') and ' (pulled)' or ''
    out[#out + 1] = string.format('%s@%d%s', tostring(d.code), d.lnum + 1, how)
  end
  return table.concat(out, ', ')
end

local function find_diagnostic(bufnr, code)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == code then
      return d
    end
  end
end

local function lens_titles(bufnr)
  local out = {}
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    out[#out + 1] = lens.command and lens.command.title or '(unresolved)'
  end
  return table.concat(out, ', ')
end

local function wait_for_lens(bufnr, needle, what)
  -- The documented autocmds ask for lenses on attach and on BufEnter; nothing else does.
  if not vim.wait(TIMEOUT, function()
    return lens_titles(bufnr):find(needle, 1, true) ~= nil
  end, 20) then
    fail('no code lens %q %s; lenses: [%s]', needle, what, lens_titles(bufnr))
  end
  log('code lenses %s: [%s]', what, lens_titles(bufnr))
end

local function main()
  local config = env('PRISMA_DOWN_CONFIG')
  local cmd = vim.json.decode(env('PRISMA_DOWN_LSP_CMD'))
  local migration = env('PRISMA_DOWN_MIGRATION')
  local down = vim.fs.joinpath(vim.fs.dirname(migration), 'down.sql')

  vim.cmd('filetype on') -- -u NONE leaves filetype detection off
  vim.lsp.log.set_level(os.getenv('PRISMA_DOWN_NVIM_LSP_LOG') or 'warn')

  -- What a user copies, unchanged; then only the command under test (configs merge).
  dofile(config)
  vim.lsp.config('prisma_down', { cmd = cmd })

  -- Show what the server says to the user, for whoever reads a failure.
  local warnings = {}
  local function heard(prefix)
    return function(_, params)
      log('%s: %s', prefix, params.message)
      if params.type <= vim.lsp.protocol.MessageType.Warning then
        warnings[#warnings + 1] = params.message
      end
    end
  end
  vim.lsp.handlers['window/logMessage'] = heard('server')
  vim.lsp.handlers['window/showMessage'] = heard('server (shown)')

  vim.cmd.edit(vim.fn.fnameescape(migration))
  local buf = vim.api.nvim_get_current_buf()
  log('opened %s (filetype=%s)', migration, vim.bo[buf].filetype)

  if not vim.wait(TIMEOUT, function()
    return #vim.lsp.get_clients({ bufnr = buf, name = 'prisma_down' }) > 0
  end, 20) then
    fail('no prisma_down client attached to the buffer')
  end
  local client = vim.lsp.get_clients({ bufnr = buf, name = 'prisma_down' })[1]
  log('attached: root_dir=%s', tostring(client.root_dir))

  if not vim.wait(TIMEOUT, function()
    return find_diagnostic(buf, 'missing-down-sql') ~= nil
  end, 20) then
    fail('no missing-down-sql diagnostic within %d ms; got: %s', TIMEOUT, codes(buf))
  end
  local diag = find_diagnostic(buf, 'missing-down-sql')
  log('diagnostics: %s', codes(buf))

  if os.getenv('PRISMA_DOWN_VIA') == 'clean' then
    -- Long enough for a pull after the push, and one 2 s rescan.
    vim.wait(2500)
    log('diagnostics after 2.5 s: %s', codes(buf))
    local seen, twice = {}, {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      local key = string.format('%s@%d:%d %s', tostring(d.code), d.lnum + 1, d.col + 1, d.message)
      if seen[key] then
        twice[#twice + 1] = string.format('%s (namespaces %q and %q)', key,
          vim.diagnostic.get_namespace(seen[key]).name, vim.diagnostic.get_namespace(d.namespace).name)
      end
      seen[key] = d.namespace
    end
    local problems = {}
    if #twice > 0 then
      problems[#problems + 1] = 'diagnostics shown twice: ' .. table.concat(twice, '; ')
    end
    if #warnings > 0 then
      problems[#problems + 1] = 'the server warned about the documented configuration: '
        .. table.concat(warnings, '; ')
    end
    if #problems > 0 then
      fail('%s', table.concat(problems, ' | '))
    end
    finish(0)
  end

  wait_for_lens(buf, 'Generate', 'on migration.sql after attach')

  -- Where a user would stand: on the warning, then the code action key.
  vim.api.nvim_win_set_cursor(0, { diag.lnum + 1, diag.col })
  if not client:supports_method('textDocument/codeAction') then
    fail('the server offers no code actions (server/prisma_down/lsp/features/code_actions.py)')
  end

  if os.getenv('PRISMA_DOWN_VIA') == 'lens' then
    -- The documented <leader>cl on "down.sql missing · Generate": the server writes the file
    -- itself (workspace/executeCommand) and shows it.
    local lens = vim.lsp.codelens.get(buf)[1]
    vim.api.nvim_win_set_cursor(0, { lens.range.start.line + 1, 0 })
    vim.api.nvim_feedkeys(vim.keycode('<leader>cl'), 'mx', false)
    if not vim.wait(TIMEOUT, function()
      return vim.fn.getfsize(down) > 0
    end, 20) then
      fail('the Generate lens wrote no down.sql')
    end
    log('lens wrote %s (%d bytes); current buffer: %s', down, vim.fn.getfsize(down),
      vim.api.nvim_buf_get_name(0))
    vim.cmd.buffer(buf)
    if not vim.wait(TIMEOUT, function()
      return find_diagnostic(buf, 'missing-down-sql') == nil
    end, 20) then
      fail('missing-down-sql still shown after the lens wrote down.sql; got: %s', codes(buf))
    end
    log('missing-down-sql cleared; diagnostics now: %s', codes(buf))
    vim.cmd('doautocmd BufEnter') -- what moving between windows does; headless has none
    wait_for_lens(buf, 'restores the schema', 'on migration.sql after BufEnter')
    finish(0)
  end

  local offered = {}
  if os.getenv('PRISMA_DOWN_VIA') == 'keymap' then
    -- The documented <leader>cd: the source action, no menu, from anywhere in the file.
    vim.api.nvim_win_set_cursor(0, { 1, 0 })
    vim.api.nvim_feedkeys(vim.keycode('<leader>cd'), 'mx', false)
    offered[#offered + 1] = '(via <leader>cd)'
  else
    vim.lsp.buf.code_action({
      apply = true,
      filter = function(action)
        offered[#offered + 1] = string.format('%q (%s)', action.title, tostring(action.kind))
        return action.title:lower():find('generate down.sql', 1, true) ~= nil
          and (action.kind == nil or action.kind:match('^quickfix') ~= nil)
      end,
    })
  end

  if not vim.wait(TIMEOUT, function()
    local b = vim.fn.bufnr(down)
    return b ~= -1 and vim.api.nvim_buf_is_loaded(b) and vim.api.nvim_buf_line_count(b) > 1
  end, 20) then
    fail('no down.sql buffer with text after the code action; actions offered: %s', table.concat(offered, ', '))
  end
  log('actions offered: %s', table.concat(offered, ', '))
  local down_buf = vim.fn.bufnr(down)
  log('down.sql buffer: %d lines, modified=%s, on disk before :wall: %s bytes',
    vim.api.nvim_buf_line_count(down_buf), tostring(vim.bo[down_buf].modified),
    tostring(vim.fn.getfsize(down)))

  -- The unsaved buffer is the truth now: the server must not offer to generate again
  -- (that would clobber it) and may already drop the warning.
  vim.wait(1000, function()
    return find_diagnostic(buf, 'missing-down-sql') == nil
  end, 20)
  log('before :wall, migration.sql diagnostics: %s', codes(buf))
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = { diagnostics = {}, triggerKind = 1 }
  local again = client:request_sync('textDocument/codeAction', params, 5000, buf)
  local titles = {}
  for _, action in ipairs((again and again.result) or {}) do
    titles[#titles + 1] = string.format('%q (%s)', action.title, tostring(action.kind))
  end
  log('code actions offered before :wall: %s', table.concat(titles, ', '))
  for _, title in ipairs(titles) do
    if title:lower():find('generate down.sql', 1, true) then
      fail('"Generate down.sql" still offered while the new down.sql is unsaved: %s', title)
    end
  end

  -- A user looks at the new buffer, saves everything and goes back to the migration.
  vim.cmd.buffer(down_buf)
  vim.cmd('silent wall')
  if vim.bo[down_buf].modified then
    fail('down.sql is still modified after :wall')
  end
  log('saved %s (%d bytes)', down, vim.fn.getfsize(down))
  wait_for_lens(down_buf, 'Undoes', 'on down.sql')
  vim.cmd.buffer(buf)

  -- The server rescans on save (and every 2 s): the warning must go away.
  if not vim.wait(TIMEOUT, function()
    return find_diagnostic(buf, 'missing-down-sql') == nil
  end, 20) then
    fail('missing-down-sql still shown after saving down.sql; got: %s', codes(buf))
  end
  log('missing-down-sql cleared; diagnostics now: %s', codes(buf))
  wait_for_lens(buf, 'restores the schema', 'on migration.sql after BufEnter')
  finish(0)
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  fail('%s', tostring(err))
end
