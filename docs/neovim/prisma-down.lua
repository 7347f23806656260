-- prisma-down for Neovim 0.11+: put this file in ~/.config/nvim/plugin/prisma-down.lua
-- (or paste it into your init.lua). Needs `prisma-down` on $PATH (`pip install prisma-down`).

vim.lsp.config('prisma_down', {
  cmd = { 'prisma-down', 'lsp' },
  filetypes = { 'sql' },
  -- migration_lock.toml sits in prisma/migrations: that folder becomes the workspace root.
  root_markers = { 'migration_lock.toml', 'prisma', '.git' },
  -- Settings, e.g. { prismaDown = { migrationsPath = 'db/migrations' } }; see docs/neovim.md.
  init_options = { prismaDown = {} },
})
vim.lsp.enable('prisma_down')

local group = vim.api.nvim_create_augroup('prisma_down', { clear = true })

vim.api.nvim_create_autocmd('LspAttach', {
  group = group,
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if not client or client.name ~= 'prisma_down' then
      return
    end
    local buf = args.buf

    local function map(lhs, rhs, desc)
      vim.keymap.set('n', lhs, rhs, { buffer = buf, desc = 'prisma-down: ' .. desc })
    end
    -- All code actions at the cursor (quick fixes such as "Generate down.sql").
    map('<leader>ca', vim.lsp.buf.code_action, 'code actions')
    -- Write down.sql for this migration without a menu; `:w` the new buffer to save it.
    map('<leader>cd', function()
      vim.lsp.buf.code_action({
        context = { only = { 'source.generateDownSql' }, diagnostics = {} },
        apply = true,
      })
    end, 'generate down.sql')
    -- Run the code lens on the cursor line.
    map('<leader>cl', vim.lsp.codelens.run, 'run code lens')

    -- Neovim shows code lenses only when asked: refresh them as you move around.
    if client:supports_method('textDocument/codeLens') then
      vim.lsp.codelens.refresh({ bufnr = buf })
      vim.api.nvim_create_autocmd({ 'BufEnter', 'CursorHold', 'InsertLeave' }, {
        group = group,
        buffer = buf,
        callback = function()
          vim.lsp.codelens.refresh({ bufnr = buf })
        end,
      })
    end
  end,
})
